"""Fictional material for demo data: names, places and things people say, per life-domain theme.

Everything here is invented. Names mix the Netherlands of today (Dutch prefixes, Turkish,
Moroccan, Surinamese, Polish, Vietnamese, Scandinavian names) so every list and PDF meets
diacritics from the first day.
"""

GIVEN_NAMES = (
    "Anna",
    "Bram",
    "Cor",
    "Daan",
    "Els",
    "Fatima",
    "Greet",
    "Henk",
    "Ilse",
    "Jan",
    "Karin",
    "Lotte",
    "Mohamed",
    "Noor",
    "Otto",
    "Petra",
    "Ron",
    "Sanne",
    "Tineke",
    "Ümit",
    "Vera",
    "Willem",
    "Yasmina",
    "Zeynep",
    "Łukasz",
    "Agnieszka",
    "Thảo",
    "Minh",
    "Søren",
    "Ingrid",
    "Rachid",
    "Shanti",
    "Dewi",
    "Gerrit",
    "Joke",
    "Kees",
    "Marijke",
    "Nicole",
    "Priya",
    "Özlem",
    "Hüseyin",
    "Rob",
    "Ria",
    "Frans",
    "Yonas",
    "Semhar",
)
NAME_PREFIXES = ("", "", "", "", "", "van", "de", "van der", "van den", "van de", "ter", "den", "in 't")
FAMILY_NAMES = (
    "Jong",
    "Vries",
    "Berg",
    "Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "Mulder",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "Leeuwen",
    "Dekker",
    "Brouwer",
    "Wit",
    "Dijkstra",
    "Kok",
    "Çelik",
    "Yılmaz",
    "El Amrani",
    "Bouzid",
    "Nguyễn",
    "Trần",
    "Kowalski",
    "Wiśniewska",
    "Ødegård",
    "Sørensen",
    "Ramdin",
    "Sewnath",
    "Kartosen",
    "Öztürk",
    "Haddou",
    "Schoemaker",
    "Veld",
    "Hoek",
    "Wal",
    "Laar",
    "Tesfay",
    "Gebremariam",
)
STREETS = (
    "Lindelaan",
    "Kerkstraat",
    "Molenweg",
    "Vlierstraat",
    "Brederodestraat",
    "Esdoornhof",
    "Havenkade",
    "Zonnebloemstraat",
    "Kastanjeplein",
    "Spoorlaan",
    "Oranjestraat",
    "Wilgenhof",
    "Bachlaan",
    "Merelstraat",
)
CITIES = ("Utrecht", "Amersfoort", "Zeist", "Nieuwegein", "Houten", "IJsselstein", "Maarssen", "Bunnik")

PRACTICE_NAME = "Huisartsenpraktijk De Linde (demo)"
#: The practice's own details (fictional; the phone number has no subscriber, the domain is reserved).
PRACTICE_ADDRESS = "Lindeplein 1"
PRACTICE_POSTAL_CODE = "3572 AB"
PRACTICE_CITY = "Utrecht"
PRACTICE_PHONE = "030 - 000 0000"
PRACTICE_EMAIL = "praktijk@delinde.example.nl"
PRACTICE_AGB = "00000000"
PRACTITIONERS = (
    ("Anouk de Vries", "practice_nurse"),
    ("Sanne Bakker", "practice_nurse"),
    ("Mehmet Yıldız", "social_worker"),
    ("Joyce van Dijk", "practice_manager"),
)
#: Each practitioner's direct line and e-mail, by name (the practice manager has no direct line).
PRACTITIONER_CONTACTS = {
    "Anouk de Vries": ("030 - 000 0011", "a.devries@delinde.example.nl"),
    "Sanne Bakker": ("030 - 000 0012", "s.bakker@delinde.example.nl"),
    "Mehmet Yıldız": ("06 - 0000 0013", "m.yildiz@delinde.example.nl"),
    "Joyce van Dijk": ("", "j.vandijk@delinde.example.nl"),
}
#: Another GP, for the clients whose own GP is not this practice (the social worker sees them too).
GENERAL_PRACTITIONERS = (
    "huisarts R. Smit, Gezondheidscentrum Lunetten (demo)",
    "huisarts E. Kaya, Huisartsenpraktijk Kanaleneiland (demo)",
    "huisarts M. de Groot, Huisartsen Zuilen (demo)",
)
#: The languages a client may prefer, by a given or family name that suggests them.
LANGUAGES_BY_NAME = {
    "Fatima": ("Arabisch", "Tamazight"),
    "Mohamed": ("Arabisch", "Tamazight"),
    "Yasmina": ("Arabisch",),
    "Rachid": ("Arabisch", "Tamazight"),
    "El Amrani": ("Arabisch", "Tamazight"),
    "Bouzid": ("Arabisch",),
    "Haddou": ("Tamazight", "Arabisch"),
    "Ümit": ("Turks",),
    "Zeynep": ("Turks",),
    "Özlem": ("Turks",),
    "Hüseyin": ("Turks",),
    "Çelik": ("Turks",),
    "Yılmaz": ("Turks",),
    "Öztürk": ("Turks",),
    "Łukasz": ("Pools",),
    "Agnieszka": ("Pools",),
    "Kowalski": ("Pools",),
    "Wiśniewska": ("Pools",),
    "Thảo": ("Vietnamees",),
    "Minh": ("Vietnamees",),
    "Nguyễn": ("Vietnamees",),
    "Trần": ("Vietnamees",),
    "Yonas": ("Tigrinya",),
    "Semhar": ("Tigrinya",),
    "Tesfay": ("Tigrinya",),
    "Gebremariam": ("Tigrinya",),
}
#: How and when a client wants to be reached, as the referral says it.
CONTACT_PREFERENCES = (
    "Liefst 's ochtends bellen, na 10 uur.",
    "Graag eerst een sms; onbekende nummers neemt ze niet op.",
    "Bellen via haar dochter, die ook bij het gesprek is.",
    "Niet op dinsdag en donderdag (dan is hij naar de dagbesteding).",
    "Per e-mail, met een tolk bij het eerste gesprek.",
)

#: Which theme a domain id of the built-in models speaks to.
THEMES = {
    "bodily-functions": "body",
    "body": "body",
    "physical-health": "body",
    "mental-wellbeing": "mind",
    "mind": "mind",
    "mental-health": "mind",
    "meaningfulness": "meaning",
    "quality-of-life": "meaning",
    "participation": "participation",
    "community-participation": "participation",
    "daytime-activities": "participation",
    "work-education": "participation",
    "daily-functioning": "daily",
    "basic-adl": "daily",
    "instrumental-adl": "daily",
    "societal": "money",
    "finances": "money",
    "justice": "money",
    "housing": "housing",
    "social": "network",
    "social-network": "network",
    "domestic-relations": "network",
    "substance-use": "substance",
}

OWN_WORDS = {
    "body": (
        "Mijn knie speelt weer op, ik kom bijna de trap niet meer op.",
        "Ik slaap slecht, ik lig 's nachts uren wakker.",
        "Ik ben altijd moe, ook als ik niks gedaan heb.",
        "Sinds ik elke dag een stukje wandel voel ik me fitter.",
        "De pijn in mijn rug bepaalt mijn hele dag.",
    ),
    "mind": (
        "Ik pieker heel veel, vooral 's avonds.",
        "Soms zie ik het even helemaal niet meer zitten.",
        "Ik schrik van mezelf hoe snel ik boos word.",
        "Het gaat beter sinds ik met iemand kan praten.",
        "Ik voel me onrustig, alsof er steeds iets mis gaat.",
    ),
    "meaning": (
        "Ik mis iets om voor op te staan.",
        "Mijn kleinkinderen, daar doe ik het voor.",
        "Sinds mijn man er niet meer is, weet ik niet wat ik met mijn dagen moet.",
        "Ik wil weer ergens bij horen.",
        "Tuinieren geeft me rust, dat wil ik blijven doen.",
    ),
    "participation": (
        "Ik wil graag meedoen, maar ik weet niet waar ik moet beginnen.",
        "Vrijwilligerswerk lijkt me wel wat, iets met mijn handen.",
        "Sinds ik mijn werk kwijt ben zit ik vooral thuis.",
        "Op woensdag ga ik naar de inloop in het buurthuis, dat is fijn.",
        "Ik durf niet goed onder de mensen te komen.",
    ),
    "daily": (
        "Boodschappen doen lukt nog, maar koken wordt lastig.",
        "De post stapelt zich op, ik maak de brieven niet meer open.",
        "Mijn dochter helpt met het huishouden.",
        "Ik red me prima, al gaat alles wat langzamer.",
        "Douchen kost me veel energie.",
    ),
    "money": (
        "Ik heb schulden en durf de telefoon niet meer op te nemen.",
        "Aan het eind van de maand is er niets meer over.",
        "De toeslagen zijn stopgezet, ik snap niet waarom.",
        "Sinds de budgetcoach meekijkt heb ik weer overzicht.",
        "Ik schaam me ervoor, ik heb het nog aan niemand verteld.",
    ),
    "housing": (
        "Het huis is te groot geworden sinds ik alleen ben.",
        "Er zit schimmel in de slaapkamer.",
        "De trap is een probleem, ik slaap nu beneden.",
        "Ik woon hier al veertig jaar, ik wil hier niet weg.",
        "Ik heb een huurachterstand en ben bang dat ik eruit moet.",
    ),
    "network": (
        "Ik zie eigenlijk nooit iemand, de dagen zijn lang.",
        "Mijn buurvrouw komt elke dag even kijken.",
        "Met mijn broer heb ik al jaren geen contact.",
        "Mijn vrienden zijn er altijd voor me.",
        "Ik wil niemand tot last zijn.",
    ),
    "substance": (
        "Ik drink 's avonds meer dan goed voor me is.",
        "Ik ben drie maanden geleden gestopt met roken.",
        "Drinken helpt me om niet te piekeren.",
        "Alcohol is geen probleem voor mij.",
    ),
}

NOTES = {
    "body": (
        "Pijnklachten, bespreken met huisarts.",
        "Beweegt weinig; interesse in beweeggroep.",
        "Slaapproblemen sinds maanden.",
    ),
    "mind": (
        "Somberheid, geen crisis. POH-GGZ overwegen.",
        "Veel zorgen, vooral over geld.",
        "Stemming wisselend, stabieler dan vorige keer.",
    ),
    "meaning": (
        "Zoekt zingeving na verlies partner.",
        "Kleinkinderen belangrijke bron van steun.",
        "Wil graag iets betekenen voor anderen.",
    ),
    "participation": (
        "Interesse in vrijwilligerswerk.",
        "Komt weinig buiten de deur.",
        "Bezoekt wekelijks het buurthuis.",
    ),
    "daily": ("Redt zich met hulp van dochter.", "Administratie loopt achter.", "Zelfstandig, geen hulp nodig."),
    "money": (
        "Problematische schulden, aanmelding schuldhulp besproken.",
        "Krap budget, geen achterstanden.",
        "Budgetcoach sinds twee maanden.",
    ),
    "housing": (
        "Woning niet aangepast, trap is een probleem.",
        "Huurachterstand, contact met corporatie gewenst.",
        "Woont prettig.",
    ),
    "network": ("Klein netwerk, eenzaamheid.", "Steun van buren en kerk.", "Conflict in de familie."),
    "substance": (
        "Alcoholgebruik besproken, staat open voor hulp.",
        "Geen problematisch gebruik.",
        "Gestopt met roken.",
    ),
}

ANSWER_TEXTS = (
    "Er is veel veranderd sinds vorig jaar.",
    "Dat gaat eigenlijk best goed.",
    "De buurvrouw en de wijkverpleging zijn betrokken.",
    "Hangt samen met de geldzorgen en slecht slapen.",
    "Wil hier graag hulp bij, maar weet niet van wie.",
    "Sterk in doorzetten, heeft al veel zelf geregeld.",
    "Dochter komt twee keer per week langs.",
    "Weinig energie om dingen op te pakken.",
)
PROFESSIONALS = (
    "Budgetcoach Dock",
    "Wijkteam Overvecht",
    "POH-GGZ",
    "Wijkverpleging",
    "Schuldhulp gemeente",
    "Welzijnscoach",
)

WHAT_MATTERS = (
    "Meedoen, ergens bij horen.",
    "Zo lang mogelijk thuis blijven wonen.",
    "Rust in mijn hoofd, de schulden oplossen.",
    "Weer mensen om me heen hebben.",
    "Fit genoeg zijn om met de kleinkinderen te spelen.",
    "Een dag die ergens over gaat.",
)
GOALS = {
    "body": "Elke dag een half uur bewegen.",
    "mind": "Beter leren omgaan met piekeren.",
    "meaning": "Een activiteit vinden die voldoening geeft.",
    "participation": "Eén keer per week vrijwilligerswerk.",
    "daily": "De administratie weer op orde.",
    "money": "Overzicht over de schulden en een betaalregeling.",
    "housing": "Een veilige woning zonder trap.",
    "network": "Twee keer per week contact met anderen.",
    "substance": "Minder drinken, niet meer alleen 's avonds.",
}
#: Goals per theme, in the client's words: a conversation picks one for each domain it works on,
#: so two conversations rarely agree on the same goals. The first of each is ``GOALS``'s.
GOAL_CHOICES = {
    "body": (
        GOALS["body"],
        "Weer zonder pijn de trap op kunnen.",
        "'s Nachts minstens zes uur doorslapen.",
        "Twee keer per week met de beweeggroep mee.",
        "Vijf kilo afvallen voor de zomer.",
        "Zelf weer boodschappen kunnen doen, ook met de knie.",
    ),
    "mind": (
        GOALS["mind"],
        "Minder somber zijn en weer zin hebben in de dag.",
        "Met iemand praten over wat er gebeurd is.",
        "Rustiger worden als het druk is in huis.",
        "Weer durven bellen en naar afspraken gaan.",
    ),
    "meaning": (
        GOALS["meaning"],
        "Weten waar ik 's ochtends voor opsta.",
        "De draad van de hobby weer oppakken: tuinieren.",
        "Iets betekenen voor de kleinkinderen.",
        "Weer naar de kerk of moskee kunnen gaan.",
    ),
    "participation": (
        GOALS["participation"],
        "Een dagbesteding vinden die past.",
        "Weer aan het werk, eerst een paar uur per week.",
        "Mee met de wandelgroep van het buurthuis.",
        "Een taalcursus volgen om beter mee te kunnen praten.",
    ),
    "daily": (
        GOALS["daily"],
        "Zelf kunnen douchen, met een beugel in de badkamer.",
        "Elke dag een warme maaltijd.",
        "De post niet meer laten liggen.",
        "Hulp bij het huishouden die past.",
    ),
    "money": (
        GOALS["money"],
        "Geen nieuwe rekeningen meer laten oplopen.",
        "Rond kunnen komen tot het eind van de maand.",
        "Weten welke toeslagen ik kan krijgen.",
        "De aanmaningen samen met iemand openen en regelen.",
    ),
    "housing": (
        GOALS["housing"],
        "De schimmel in de slaapkamer laten verhelpen.",
        "Op de wachtlijst voor een gelijkvloerse woning.",
        "Weer veilig voelen in de buurt.",
        "Thuis kunnen blijven wonen met wat aanpassingen.",
    ),
    "network": (
        GOALS["network"],
        "Iemand hebben om mee te praten als het tegenzit.",
        "Het contact met de zus weer herstellen.",
        "De mantelzorg beter verdelen over de kinderen.",
        "Nieuwe mensen leren kennen in de wijk.",
    ),
    "substance": (
        GOALS["substance"],
        "Stoppen met roken voor de verjaardag.",
        "Twee dagen per week helemaal niet drinken.",
        "Minder blowen, eerst doordeweeks niet meer.",
        "Hulp zoeken bij de verslavingszorg.",
    ),
}
ACTIONS = (
    ("Aanmelden bij de welzijnscoach", "POH"),
    ("Afspraak schuldhulpverlening maken", "cliënt, met hulp van dochter"),
    ("Kennismaken bij de inloop in het buurthuis", "cliënt"),
    ("Huisarts bespreekt de pijnmedicatie", "huisarts"),
    ("Contact opnemen met de woningcorporatie", "wijkteam"),
    ("Folder beweeggroep meegeven", "POH"),
    ("Dagelijkse belcirkel aanvragen", "welzijnscoach"),
)
#: Actions per theme, for the goals of that theme (with ``ACTIONS`` now and then).
ACTION_CHOICES = {
    "body": (
        ("Folder beweeggroep meegeven", "POH"),
        ("Huisarts bespreekt de pijnmedicatie", "huisarts"),
        ("Verwijzing fysiotherapie aanvragen", "huisarts"),
        ("Stappenteller uitproberen", "cliënt"),
        ("Afspraak bij de diëtist maken", "cliënt"),
    ),
    "mind": (
        ("Aanmelden bij de POH-GGZ", "POH"),
        ("Slaapdagboek bijhouden", "cliënt"),
        ("Cursus 'Omgaan met piekeren' opzoeken", "cliënt, met de welzijnscoach"),
        ("Eén keer per week iets leuks plannen", "cliënt"),
    ),
    "meaning": (
        ("Aanmelden bij de welzijnscoach", "POH"),
        ("Bij de moestuin van het buurthuis kijken", "cliënt"),
        ("Oude vriendin bellen om samen iets te doen", "cliënt"),
        ("Lijstje maken van wat vroeger blij maakte", "cliënt"),
    ),
    "participation": (
        ("Kennismaken bij de inloop in het buurthuis", "cliënt"),
        ("Gesprek bij het vrijwilligerspunt", "cliënt, met de welzijnscoach"),
        ("Contact met de re-integratieconsulent", "wijkteam"),
        ("Inschrijven voor de taalcafé-avond", "cliënt"),
    ),
    "daily": (
        ("Hulpmiddelen voor de badkamer aanvragen bij de Wmo", "wijkteam"),
        ("Maaltijdservice regelen", "mantelzorger"),
        ("Huishoudelijke hulp aanvragen", "wijkteam"),
        ("Samen een weekplanning maken", "POH"),
    ),
    "money": (
        ("Afspraak schuldhulpverlening maken", "cliënt, met hulp van dochter"),
        ("Aanmelden bij de formulierenbrigade", "POH"),
        ("Post van drie maanden sorteren met de vrijwilliger", "cliënt"),
        ("Toeslagen nakijken bij de sociaal raadslieden", "cliënt"),
        ("Betalingsachterstand bij de zorgverzekeraar bellen", "cliënt"),
    ),
    "housing": (
        ("Contact opnemen met de woningcorporatie", "wijkteam"),
        ("Urgentieaanvraag bespreken", "wijkteam"),
        ("Reparatieverzoek indienen", "cliënt, met hulp van zoon"),
        ("Woningaanpassing aanvragen bij de gemeente", "wijkteam"),
    ),
    "network": (
        ("Dagelijkse belcirkel aanvragen", "welzijnscoach"),
        ("Maatjesproject bellen", "cliënt"),
        ("Familiegesprek over de mantelzorg plannen", "POH"),
        ("Samen met de buurvrouw naar de inloop", "cliënt"),
    ),
    "substance": (
        ("Drinkdagboek bijhouden", "cliënt"),
        ("Stoppen-met-rokenprogramma starten", "POH"),
        ("Aanmelden bij de verslavingszorg", "huisarts"),
        ("Afspraak om samen te evalueren over vier weken", "POH"),
    ),
}

#: Actions of a life domain that serve no goal (the client's own step in that domain).
DOMAIN_ACTIONS = {
    "body": ("Bloeddruk laten meten bij de POH", "cliënt"),
    "mind": ("Slaapdagboek bijhouden tot de volgende afspraak", "cliënt"),
    "meaning": ("Opschrijven waar ze vroeger blij van werd", "cliënt"),
    "participation": ("Rondkijken op de vrijwilligersvacaturebank", "cliënt, met de welzijnscoach"),
    "daily": ("Hulpmiddelen voor in de badkamer bespreken", "wijkverpleging"),
    "money": ("Post van de laatste drie maanden meenemen", "cliënt"),
    "housing": ("Reparatieverzoek schimmel indienen bij de corporatie", "cliënt, met hulp van zoon"),
    "network": ("Buurvrouw vragen om samen naar de inloop te gaan", "cliënt"),
    "substance": ("Drinkdagboek bijhouden", "cliënt"),
}
#: Actions of no life domain: shared only when the client ticks them by name.
GENERAL_ACTIONS = (
    ("Terugkomafspraak over zes weken inplannen", "POH"),
    ("Samenvatting van het gesprek meegeven", "POH"),
    ("Plan thuis doornemen met de kinderen", "cliënt"),
    ("Toestemming vragen om de mantelzorger te bellen", "POH"),
)

#: (organisation, city, phone, [(offering, kind, life-domain tags, contact function)])
SOCIAL_MAP = (
    (
        "Welzijn De Brug",
        "Utrecht",
        "030 000 0101",
        [
            ("Welzijn op Recept", "welfare_coach", ("meaning", "participation", "network"), "Welzijnscoach"),
            ("Dagelijkse belcirkel", "informal_care", ("network",), "Coördinator belcirkel"),
        ],
    ),
    (
        "Schuldhulp Utrecht",
        "Utrecht",
        "030 000 0102",
        [
            ("Schuldhulpmaatje", "debt_counselling", ("money",), "Coördinator schuldhulpmaatjes"),
            ("Budgetcoaching", "debt_counselling", ("money", "daily-life"), "Budgetcoach"),
        ],
    ),
    (
        "Buurtteam Overvecht",
        "Utrecht",
        "030 000 0103",
        [
            (
                "Buurtteam sociaal",
                "neighbourhood_team",
                ("housing", "money", "network", "daily-life"),
                "Buurtteammedewerker",
            ),
        ],
    ),
    (
        "Buurthuis De Linde",
        "Utrecht",
        "030 000 0104",
        [
            ("Wekelijkse maaltijd", "community_centre", ("network", "participation"), "Gastvrouw buurthuis"),
            ("Moestuin op woensdag", "volunteer_work", ("participation", "meaning"), "Vrijwilligerscoördinator"),
        ],
    ),
    (
        "GGZ Stad",
        "Utrecht",
        "030 000 0105",
        [
            ("Herstelacademie", "mental_health", ("mind", "meaning"), "Ervaringsdeskundige"),
        ],
    ),
    (
        "Wijkverpleging Zorg Dichtbij",
        "Zeist",
        "030 000 0106",
        [
            ("Wijkverpleging", "district_nurse", ("body", "daily-life"), "Wijkverpleegkundige"),
        ],
    ),
    (
        "Stichting Thuis",
        "Nieuwegein",
        "030 000 0107",
        [
            ("Woonbegeleiding", "social_work", ("housing", "daily-life"), "Woonbegeleider"),
            ("Alcoholspreekuur", "mental_health", ("substance-use", "mind"), "Verslavingsconsulent"),
        ],
    ),
)
#: Per kind of offering: the question for the recipient and the purpose the client agrees to.
REFERRAL_BY_KIND = {
    "welfare_coach": (
        "Wilt u kennismaken en samen kijken welke activiteit past? Meedoen is voor hem het belangrijkst.",
        "Kennismaking en begeleiding naar een zinvolle dagbesteding",
    ),
    "informal_care": (
        "Mevrouw is veel alleen sinds het overlijden van haar man; graag een warme kennismaking.",
        "Hulp bij eenzaamheid",
    ),
    "debt_counselling": (
        "Graag hulp bij het ordenen van de post en een betaalregeling voor de schulden.",
        "Ondersteuning bij geldzaken",
    ),
    "neighbourhood_team": (
        "Er speelt veel tegelijk: geldzorgen, de woning en weinig mensen om zich heen. Graag een huisbezoek.",
        "Ondersteuning door het buurtteam",
    ),
    "community_centre": (
        "Mevrouw wil graag weer onder de mensen komen; kunt u haar welkom heten bij de maaltijd?",
        "Kennismaking met het buurthuis",
    ),
    "volunteer_work": (
        "Hij zoekt iets om voor op te staan en werkt graag met zijn handen.",
        "Vrijwilligerswerk vinden",
    ),
    "mental_health": (
        "Wilt u contact opnemen? Hij piekert veel en staat open voor hulp.",
        "Ondersteuning bij psychische klachten",
    ),
    "district_nurse": ("Graag een huisbezoek: douchen en aankleden lukken niet meer goed alleen.", "Zorg thuis"),
    "social_work": (
        "Graag een huisbezoek: de trap is een probleem en er is schimmel in de slaapkamer.",
        "Woonbegeleiding",
    ),
}
FEEDBACK_NOTES = (
    "Kennismaking gehad; hij komt nu elke woensdag in de moestuin.",
    "Aanmelding schuldhulp gedaan, eerste afspraak over twee weken.",
    "Mevrouw doet mee aan de belcirkel en de maaltijd op donderdag.",
)
