"""The shipped security-cooperation topic on the failure cases of issue 10, written afresh:
hard negatives that used to pass, positives that used to be missed, and the engine bugs
behind them (stems shared with exclusions, lowercase "paris", Spanish "franca"/"gala",
context words, partial words, adjectives alone, visit words anywhere, tickers)."""

from __future__ import annotations

from pathlib import Path

import pytest
from match_helpers import explanation, hit

from pipelines.matching.engine import Matcher, load_topics

ROOT = Path(__file__).resolve().parent.parent
TOPIC = "security-cooperation"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return load_topics(ROOT / "config" / "rules")


def flagged(m: Matcher, title: str, text: str, lang: str) -> bool:
    return hit(m, text, lang, title, TOPIC)


NEGATIVES = [
    ("football-security", "fr", "Maroc-France : 3 000 policiers mobilisés pour la demi-finale",
     "La préfecture de police a annoncé un dispositif de sécurité renforcé autour du Stade de France pour la "
     "rencontre entre les Lions de l'Atlas et les Bleus. Les supporters marocains sont invités à arriver tôt."),
    ("hashish-sold-in-france", "es", "Desarticulada una red de hachís entre Marruecos y Algeciras",
     "La Guardia Civil y la policía marroquí han desarticulado en una operación conjunta una organización que "
     "introducía hachís por el Estrecho. Según los investigadores, parte de la droga se vendía después en Francia."),
    ("investment-security", "fr", "Visite économique : Rabat et Paris misent sur l'industrie",
     "Le ministre français de l'Économie a effectué une visite à Rabat. Les deux pays ont signé un accord sur la "
     "sécurité des investissements et la protection des investisseurs, ainsi qu'un partenariat industriel."),
    ("sahara-stability", "ar", "بوريطة يستقبل نظيره الفرنسي",
     "استقبل ناصر بوريطة وزير الخارجية الفرنسي بالرباط، وتناول اللقاء قضية الصحراء المغربية ودعم فرنسا لمخطط الحكم "
     "الذاتي، وأكد الجانبان أهمية الأمن والاستقرار في المنطقة وتعزيز الشراكة الاستثنائية."),
    ("nanterre-shooting", "fr", "Nanterre : un adolescent d'origine marocaine tué par un policier",
     "Un adolescent de 17 ans, d'origine marocaine, a été tué par un tir policier lors d'un contrôle routier à "
     "Nanterre. Le policier a été placé en garde à vue. Des marches blanches sont organisées."),
    ("algeria-deportation", "fr", "Expulsions : nouvelle crise entre Paris et Alger",
     "Le gouvernement français a durci le ton face à l'Algérie, qui refuse de délivrer des laissez-passer "
     "consulaires pour ses ressortissants expulsés. Le ministre de l'Intérieur menace de réduire les visas. "
     "Par ailleurs, le Maroc avait accepté l'an dernier davantage de retours de ses ressortissants."),
    ("dgsn-road-safety", "fr", "La DGSN lance une campagne de sécurité routière pour les MRE",
     "À l'approche de l'été, la Direction générale de la Sûreté nationale lance une campagne de sensibilisation à "
     "la sécurité routière destinée aux Marocains résidant en France qui rentrent au pays par la route."),
    ("dgsn-id-card", "fr", "CNIE : la DGSN ouvre un guichet pour les Marocains de France",
     "La DGSN a mis en place une procédure simplifiée de renouvellement de la carte nationale d'identité pour les "
     "Marocains établis en France, avec des rendez-vous dans les consulats de Paris et Lyon."),
    ("illegal-betting", "fr", "Casablanca : démantèlement d'un réseau de paris sportifs illégaux",
     "La police de Casablanca a démantelé un réseau de paris sportifs clandestins. Les suspects encaissaient des "
     "mises sur des matchs du championnat marocain ; le trafic rapportait des millions de dirhams."),
    ("film-gala", "es", "Gala de clausura del festival de cine de Tetuán",
     "La gala de clausura del festival de cine mediterráneo de Tetuán reunió a cineastas marroquíes y europeos. "
     "La seguridad del evento estuvo a cargo de la policía local, en colaboración con los organizadores."),
    ("defence-cyber-centre", "en", "Defence group opens cyber centre in Casablanca",
     "A French defence and aerospace company opened a cyber centre in Casablanca, creating 200 engineering jobs. "
     "The company signed a partnership with a Moroccan university to train engineers in software."),
    ("securities-market", "en", "Casablanca bourse: French bank buys Moroccan securities",
     "A French bank said it would expand its securities business in Morocco after a meeting with the regulator, "
     "citing the cooperation of the market authority."),
    ("zona-franca", "es", "Tánger: nueva zona franca para la industria",
     "Marruecos inauguró una zona franca en Tánger. El presidente de la patronal, franco en sus palabras, pidió "
     "más seguridad jurídica y una reunión con los inversores; la visita incluyó una gala."),
]


def test_a_ticker_with_one_security_line_is_not_the_article(matcher: Matcher) -> None:
    lines = [f"Météo : averses attendues sur le nord du pays {i}" for i in range(12)]
    lines.insert(6, "Hammouchi reçu par la DGSI à Paris pour renforcer la coopération antiterroriste")
    text = "\n".join(lines)
    assert not flagged(matcher, "À la une", text, "fr")
    # the same line as the article's own content is a match
    assert flagged(matcher, lines[6], "La coopération sécuritaire entre le Maroc et la France se renforce.", "fr")


POSITIVES = [
    ("montpellier-extradition", "fr", "Extradition approuvée vers le Maroc",
     "La chambre de l'instruction de la cour d'appel de Montpellier a donné un avis favorable à l'extradition vers "
     "Oujda d'un homme visé par un mandat d'arrêt international des autorités marocaines pour trafic de drogue."),
    ("dgssi-anssi", "en", "Morocco's DGSSI and France's ANSSI sign cybersecurity roadmap",
     "Morocco's DGSSI and the French ANSSI agreed a roadmap on cybersecurity cooperation, including information "
     "sharing on threats and joint training of experts."),
    ("laftit-retailleau", "ar", "لفتيت يبحث مع روتايو ملف إعادة القبول",
     "بحث وزير الداخلية عبد الوافي لفتيت مع نظيره الفرنسي برونو روتايو بالرباط التعاون الأمني وملف إعادة القبول "
     "ومكافحة الهجرة غير النظامية والجريمة المنظمة."),
    ("spanish-alert", "es", "Los servicios marroquíes alertaron a París de un atentado",
     "Los servicios de inteligencia marroquíes alertaron a las autoridades francesas de un plan de atentado "
     "yihadista; la DGST transmitió la información a la policía francesa, que detuvo a dos sospechosos."),
    ("dz-mafia", "fr", "Un membre présumé de la DZ Mafia interpellé à Marrakech",
     "Un homme soupçonné d'appartenir à la DZ Mafia, visé par un mandat d'arrêt émis par un juge de Marseille, a été "
     "interpellé à Marrakech par la police marocaine. Sa remise à la France est attendue, grâce aux échanges "
     "entre les services des deux pays."),
    ("nunez-surname", "fr", "Laurent Nuñez à Rabat",
     "Le préfet de police Laurent Nuñez a été reçu à Rabat par Abdellatif Hammouchi. Nuñez a salué la coopération "
     "antiterroriste avec les services marocains."),
    ("bourita-barrot", "ar", "بوريطة وبارو يبحثان التعاون الأمني",
     "بحث ناصر بوريطة مع نظيره الفرنسي جان نويل بارو التعاون الأمني ومكافحة الإرهاب بين المغرب وفرنسا."),
    ("mansouri-dged", "fr", "Yassine Mansouri reçu par la DGSE",
     "Le patron de la DGED, Yassine Mansouri, a rencontré son homologue français de la DGSE pour renforcer la "
     "coopération en matière de renseignement entre Rabat et Paris."),
    ("ouahbi-entraide", "fr", "Entraide judiciaire : Ouahbi et Darmanin signent une feuille de route",
     "Le ministre marocain de la Justice Abdellatif Ouahbi et le garde des Sceaux français Gérald Darmanin ont "
     "convenu de renforcer l'entraide judiciaire, les commissions rogatoires et la lutte contre la criminalité "
     "organisée, avec un magistrat de liaison dans chaque pays."),
    ("daech-sahel", "fr", "Daech au Sahel : Rabat et Paris partagent leurs renseignements",
     "Les services marocains et français échangent des informations sur les combattants de l'État islamique au "
     "Sahel, selon une source sécuritaire."),
    ("but-and-mondiale", "fr", "Terrorisme : Rabat et Paris resserrent les rangs",
     "Le Maroc et la France ont signé un plan d'action dans le but de renforcer la sécurité et la coopération face "
     "à la menace mondiale, a indiqué le ministère."),
    ("notice-rouge", "fr", "Notice rouge : un fugitif arrêté à Tanger à la demande de la France",
     "Un ressortissant français faisant l'objet d'une notice rouge d'Interpol a été arrêté à Tanger par la police "
     "marocaine à la demande de la justice française, en vue de son extradition."),
]


CASES = [pytest.param(lang, title, text, False, id=f"negative-{name}") for name, lang, title, text in NEGATIVES] + [
    pytest.param(lang, title, text, True, id=f"positive-{name}") for name, lang, title, text in POSITIVES
]


@pytest.mark.parametrize(("lang", "title", "text", "expected"), CASES)
def test_hard_negatives_are_not_flagged_and_real_positives_are(
    matcher: Matcher, lang: str, title: str, text: str, expected: bool
) -> None:
    assert flagged(matcher, title, text, lang) is expected, explanation(matcher, text, lang, title, TOPIC)
