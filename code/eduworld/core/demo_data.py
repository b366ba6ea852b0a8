"""A small, realistic curriculum for the demo and the workshop (never loaded in production)."""

TEACHER_EMAIL = "teacher@eduworld.test"
TEACHER_PASSWORD = "eduworld-demo"
TEACHER_NAME = "Juf Anna de Vries"
BOARD_NAME = "Lokaal 12"

# (kind, title, language, tags, body, children)
CURRICULUM = [
    ("subject", "Aardrijkskunde", "nl", ["aardrijkskunde"], "Aardrijkskunde voor groep 7 en 8.", [
        ("course", "Nederland en het water", "nl", ["water"], "", [
            ("unit", "Rivieren en dijken", "nl", ["rivieren", "dijken"], "", [
                ("lesson", "De Rijn en de Maas", "nl", ["rijn", "maas", "rivieren"],
                 "De Rijn en de Maas stromen van de bergen naar de Noordzee. Langs de rivieren "
                 "liggen dijken die het land droog houden.", []),
                ("lesson", "De Deltawerken", "nl", ["deltawerken", "stormvloed"],
                 "Na de watersnoodramp van 1953 bouwde Nederland de Deltawerken: dammen en "
                 "stormvloedkeringen die Zeeland beschermen tegen de zee.", []),
            ]),
            ("unit", "Polders en molens", "nl", ["polders"], "", [
                ("lesson", "Hoe een polder droog blijft", "nl", ["polders", "molens", "gemalen"],
                 "Een polder ligt lager dan het water eromheen. Vroeger pompten molens het "
                 "water weg; nu doen gemalen dat.", []),
            ]),
        ]),
    ]),
    ("subject", "Science", "en", ["science"], "Science for the upper primary years.", [
        ("course", "The water cycle", "en", ["water"], "", [
            ("unit", "Weather", "en", ["weather"], "", [
                ("lesson", "Clouds and rain", "en", ["clouds", "rain", "water cycle"],
                 "Water evaporates from seas and rivers, rises, cools and condenses into "
                 "clouds. When the droplets grow heavy enough, they fall as rain.", []),
                ("lesson", "Measuring rainfall", "en", ["rain gauge", "measurement"],
                 "Build a rain gauge from a plastic bottle and record the rainfall every day "
                 "for two weeks. Compare the numbers with the weather forecast.", []),
            ]),
            ("unit", "Rivers", "en", ["rivers"], "", [
                ("lesson", "From source to sea", "en", ["rivers", "erosion"],
                 "A river starts at its source in the hills, carves its valley by erosion, "
                 "and meets the sea at its mouth, sometimes through a delta.", []),
            ]),
        ]),
    ]),
]
