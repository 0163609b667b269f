"""Words that tell *which* event an article is about, the same in fr/ar/en/es.

The story signature (``stories.py``) compares the concrete details of two articles: who,
where, when, how many. Arabic has no capitals and writes names in its own script, so a
French and an Arabic account of one meeting share almost no raw tokens; this module maps
the names the outlets we watch keep citing (places, services, officials, teams, big events),
months and weekdays to one language-free id, so both accounts yield the same features.
It also holds the function words that must never count as names when a sentence or a
title happens to start with them ("Le", "Las", "Selon", "The").
"""

from __future__ import annotations

import functools

from pipelines.matching.normalize import WORD_RE, detect_script_arabic, fold_arabic, fold_latin

# id -> aliases in any of the four languages (Latin aliases are matched accent- and case-free,
# Arabic ones after letter folding and light stemming: "بالرباط" finds "الرباط").
ENTITIES: dict[str, tuple[str, ...]] = {
    # countries
    # (English capitalises nationality adjectives: "French" is the country, not a name)
    "@ma": ("Maroc", "Morocco", "Marruecos", "المغرب", "المملكة المغربية", "Moroccan", "Moroccans"),
    "@fr": ("France", "Francia", "فرنسا", "French"),
    "@es": ("Espagne", "Spain", "España", "إسبانيا", "اسبانيا", "Spanish"),
    "@dz": ("Algérie", "Algeria", "Argelia", "الجزائر", "Algerian", "Algerians"),
    "@be": ("Belgique", "Belgium", "Bélgica", "بلجيكا"),
    "@nl": ("Pays-Bas", "Netherlands", "Países Bajos", "هولندا"),
    "@sn": ("Sénégal", "Senegal", "السنغال"),
    # Moroccan cities
    "@rabat": ("Rabat", "الرباط"),
    "@casablanca": ("Casablanca", "الدار البيضاء", "البيضاء"),
    "@tanger": ("Tanger", "Tangier", "Tánger", "طنجة"),
    "@fes": ("Fès", "Fez", "Fes", "فاس"),
    "@marrakech": ("Marrakech", "Marrakesh", "Marraquech", "مراكش"),
    "@agadir": ("Agadir", "أكادير", "اكادير"),
    "@oujda": ("Oujda", "Uchda", "Oujda-Angad", "وجدة"),
    "@nador": ("Nador", "الناظور"),
    "@tetouan": ("Tétouan", "Tetouan", "Tetuán", "تطوان"),
    "@meknes": ("Meknès", "Meknes", "Mequinez", "مكناس"),
    "@kenitra": ("Kénitra", "Kenitra", "القنيطرة"),
    "@laayoune": ("Laâyoune", "Laayoune", "El Aaiún", "العيون"),
    "@dakhla": ("Dakhla", "الداخلة"),
    "@alhoceima": ("Al Hoceima", "Alhucemas", "الحسيمة"),
    "@safi": ("Safi", "آسفي", "اسفي"),
    "@eljadida": ("El Jadida", "الجديدة"),
    # French and Spanish cities
    "@paris": ("Paris", "París", "باريس"),
    "@marseille": ("Marseille", "Marsella", "مرسيليا", "مارسيليا"),
    "@lyon": ("Lyon", "ليون"),
    "@lille": ("Lille", "ليل"),
    "@bordeaux": ("Bordeaux", "Burdeos", "بوردو"),
    "@toulouse": ("Toulouse", "تولوز"),
    "@montpellier": ("Montpellier", "مونبلييه", "مونبولييه"),
    "@nice": ("Nice", "Niza", "نيس"),
    "@strasbourg": ("Strasbourg", "Estrasburgo", "ستراسبورغ"),
    "@nanterre": ("Nanterre", "نانتير"),
    "@grenoble": ("Grenoble", "غرونوبل"),
    "@madrid": ("Madrid", "مدريد"),
    "@ceuta": ("Ceuta", "Sebta", "سبتة"),
    "@melilla": ("Melilla", "مليلية"),
    "@algeciras": ("Algeciras", "الجزيرة الخضراء"),
    "@bruxelles": ("Bruxelles", "Brussels", "Bruselas", "بروكسيل", "بروكسل"),
    "@atlas": ("Atlas", "Moyen Atlas", "Haut Atlas", "Middle Atlas", "High Atlas", "الأطلس"),
    "@gibraltar": ("Gibraltar", "جبل طارق"),
    # services and institutions
    "@dgsn": ("DGSN", "Sûreté nationale", "المديرية العامة للأمن الوطني"),
    "@dgst": ("DGST", "المديرية العامة لمراقبة التراب الوطني"),
    "@dged": ("DGED", "المديرية العامة للدراسات والمستندات"),
    "@dgsi": ("DGSI", "المديرية العامة للأمن الداخلي"),
    "@dgse": ("DGSE", "المديرية العامة للأمن الخارجي"),
    "@bcij": ("BCIJ", "المكتب المركزي للأبحاث القضائية"),
    "@interpol": ("Interpol", "الإنتربول", "الانتربول", "الأنتربول"),
    "@europol": ("Europol", "يوروبول", "اليوروبول"),
    "@police_fr": ("Police nationale", "National Police", "Policía Nacional", "الشرطة الوطنية"),
    "@gendarmerie": ("Gendarmerie", "Gendarmería", "الدرك الملكي", "الدرك"),
    "@guardia_civil": ("Guardia Civil", "الحرس المدني"),
    "@pnat": ("PNAT", "parquet national antiterroriste", "النيابة العامة الوطنية لمكافحة الإرهاب"),
    "@dgssi": ("DGSSI", "المديرية العامة لأمن نظم المعلومات"),
    "@anssi": ("ANSSI", "الوكالة الوطنية لأمن أنظمة المعلومات"),
    "@map": ("MAP", "وكالة المغرب العربي للأنباء"),
    "@frmf": ("FRMF", "الجامعة الملكية المغربية لكرة القدم"),
    "@fifa": ("FIFA", "الفيفا", "فيفا"),
    "@caf": ("CAF", "الكاف"),
    "@oncf": ("ONCF", "المكتب الوطني للسكك الحديدية"),
    "@ocp": ("OCP", "المكتب الشريف للفوسفاط"),
    "@bam": ("Bank Al-Maghrib", "بنك المغرب"),
    "@hcp": ("HCP", "Haut-Commissariat au Plan", "المندوبية السامية للتخطيط"),
    "@cgem": ("CGEM", "الاتحاد العام لمقاولات المغرب"),
    "@masi": ("MASI", "مازي"),
    "@bvc": ("Bourse de Casablanca", "Casablanca Stock Exchange", "Bolsa de Casablanca", "بورصة الدار البيضاء"),
    "@dnmi": ("DGM", "المديرية العامة للأرصاد الجوية", "الأرصاد الجوية"),
    # people
    "@hammouchi": ("Hammouchi", "Hamouchi", "حموشي"),
    "@veaux": ("Veaux", "فو"),
    "@laftit": ("Laftit", "لفتيت"),
    "@retailleau": ("Retailleau", "روتايو", "ريتايو"),
    "@nunez": ("Nuñez", "Nunez", "Núñez", "نونيز", "نونييز"),
    "@darmanin": ("Darmanin", "دارمانان"),
    "@bourita": ("Bourita", "بوريطة"),
    "@barrot": ("Barrot", "بارو"),
    "@macron": ("Macron", "ماكرون"),
    "@mohammed6": ("Mohammed VI", "محمد السادس"),
    "@akhannouch": ("Akhannouch", "أخنوش", "اخنوش"),
    "@ouahbi": ("Ouahbi", "وهبي"),
    "@mansouri": ("Mansouri", "المنصوري"),
    "@lerner": ("Lerner", "ليرنر"),
    "@berthon": ("Berthon", "برطون", "بيرتون"),
    "@laugier": ("Laugier", "لوجيي"),
    "@lecourtier": ("Lecourtier", "لوكورتيي"),
    "@marlaska": ("Marlaska", "مارلاسكا"),
    "@regragui": ("Regragui", "الركراكي"),
    "@lekjaa": ("Lekjaa", "لقجع"),
    "@jouahri": ("Jouahri", "الجواهري"),
    "@benmoussa": ("Benmoussa", "بنموسى"),
    # teams and big events
    "@wydad": ("Wydad", "WAC", "الوداد"),
    "@raja": ("Raja", "الرجاء"),
    "@asfar": ("AS FAR", "FAR", "الجيش الملكي"),
    "@berkane": ("Berkane", "بركان"),
    "@psg": ("PSG", "Paris Saint-Germain", "باريس سان جيرمان"),
    "@om": ("OM", "Olympique de Marseille", "أولمبيك مرسيليا"),
    "@lions": ("Lions de l'Atlas", "Atlas Lions", "Leones del Atlas", "أسود الأطلس"),
    "@olympics": ("Jeux olympiques", "JO", "Olympics", "Juegos Olímpicos", "الألعاب الأولمبية"),
    "@worldcup": ("Coupe du monde", "Mondial", "World Cup", "Mundial", "كأس العالم", "المونديال"),
    "@can": ("CAN", "Coupe d'Afrique des nations", "Africa Cup of Nations", "Copa África", "كأس إفريقيا", "كأس أمم إفريقيا"),
    "@dzmafia": ("DZ Mafia", "دي زد مافيا"),
    "@mocromaffia": ("Mocro Maffia", "Mocro Mafia", "موكرو مافيا"),
    "@daech": ("Daech", "Daesh", "ISIS", "État islamique", "Estado Islámico", "Islamic State", "داعش"),
}

PEOPLE = frozenset({
    "@hammouchi", "@veaux", "@laftit", "@retailleau", "@nunez", "@darmanin", "@bourita", "@barrot", "@macron",
    "@mohammed6", "@akhannouch", "@ouahbi", "@mansouri", "@lerner", "@berthon", "@laugier", "@lecourtier",
    "@marlaska", "@regragui", "@lekjaa", "@jouahri", "@benmoussa",
})
"""Ids of people: specific to an event, unlike places and services (see ``stories._specific``)."""

_MONTHS = {
    1: ("janvier", "january", "enero", "يناير", "جانفي", "كانون الثاني"),
    2: ("février", "february", "febrero", "فبراير", "فيفري", "شباط"),
    3: ("mars", "march", "marzo", "مارس", "آذار"),
    4: ("avril", "april", "abril", "أبريل", "ابريل", "نيسان"),
    5: ("mai", "may", "mayo", "ماي", "مايو", "أيار"),
    6: ("juin", "june", "junio", "يونيو", "يونيه", "حزيران"),
    7: ("juillet", "july", "julio", "يوليوز", "يوليو", "تموز", "جويلية"),
    8: ("août", "august", "agosto", "غشت", "أغسطس", "آب", "أوت"),
    9: ("septembre", "september", "septiembre", "شتنبر", "سبتمبر", "أيلول"),
    10: ("octobre", "october", "octubre", "أكتوبر", "اكتوبر", "تشرين الأول"),
    11: ("novembre", "november", "noviembre", "نونبر", "نوفمبر", "تشرين الثاني"),
    12: ("décembre", "december", "diciembre", "دجنبر", "ديسمبر", "كانون الأول"),
}
_WEEKDAYS = {
    1: ("lundi", "monday", "lunes", "الإثنين", "الاثنين"),
    2: ("mardi", "tuesday", "martes", "الثلاثاء"),
    3: ("mercredi", "wednesday", "miércoles", "الأربعاء"),
    4: ("jeudi", "thursday", "jueves", "الخميس"),
    5: ("vendredi", "friday", "viernes", "الجمعة"),
    6: ("samedi", "saturday", "sábado", "السبت"),
    7: ("dimanche", "sunday", "domingo", "الأحد"),
}

# Function words and other capitalised non-names: never a name, even mid-sentence or in a
# title ("Selon la DGSN", "Las autoridades", "The Moroccan side", "Il a ajouté").
_STOPWORDS = """
le la les l un une des du de d au aux et ou mais donc or ni car ce cet cette ces il ils elle elles on nous vous
je tu se sa son ses leur leurs lui y en ne pas plus selon après avant depuis pendant lors dans sur sous par pour
avec sans entre vers chez contre comme quand alors ainsi aussi encore enfin outre cependant toutefois pourtant
parmi dont qui que quoi où tout tous toute toutes chaque plusieurs certains certaines autre autres même deux trois
cela ceci celui celle ceux celles dès hier aujourd demain ici là voici voilà notamment également désormais
lundi mardi mercredi jeudi vendredi samedi dimanche m mm mme mmes mlle dr pr monsieur madame messieurs
the a an and or but nor so yet of to in on at by for with from into onto over under about after before since
during while when where which who whom whose what that this these those it its he she they them his her their
we our you your i is are was were be been has have had will would should can could may might must not no also
according as than then there here both each every other another such only just even still however meanwhile
mr mrs ms
el la los las lo un una unos unas y e o u pero ni que quien quienes cual cuales cuando donde como según tras
ante bajo cabe con contra de desde durante en entre hacia hasta mediante para por sin sobre este esta estos
estas ese esa esos esas aquel aquella su sus se le les al del más menos muy también además sin embargo así
ya aún todavía hoy ayer mañana dos tres cada otro otra otros otras todo toda todos todas sr sra
""".split()


_AR_ARTICLES = ("وبال", "وال", "فال", "بال", "كال", "لل", "ال")
_AR_CLITICS = "وفبلك"


def _ar_base(word: str) -> str:
    """An Arabic word folded, without its article ("الرباط" -> "رباط"); no suffix stripping,
    which would make "الداخلية" (the interior ministry) of "الداخلة" (Dakhla)."""
    word = fold_arabic(word)
    for prefix in _AR_ARTICLES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            return word[len(prefix) :]
    return word


def _fold_key(phrase: str) -> tuple[str, ...]:
    """The tuple of folded tokens an alias is looked up by."""
    out = []
    for token in WORD_RE.findall(phrase):
        out.append(_ar_base(token) if detect_script_arabic(token) else fold_latin(token))
    return tuple(t for t in out if t)


@functools.lru_cache(maxsize=200_000)
def fold_token(token: str) -> str:
    """Latin: accents and case folded. Arabic: letter forms folded, article stripped, and
    bare proclitics too when that makes a known name ("بباريس" -> "باريس", "ومراكش" -> "مراكش")."""
    if token.isascii():
        return token.lower()
    if not detect_script_arabic(token):
        return fold_latin(token)
    base = _ar_base(token)
    known = tables()[3]
    if base in known:
        return base
    rest = fold_arabic(token)
    for _ in range(2):
        if len(rest) < 4 or rest[0] not in _AR_CLITICS:
            break
        rest = rest[1:]
        alt = _ar_base(rest)
        if alt in known:
            return alt
    return base


def _case(alias: str) -> str:
    """How the raw text must be written for a Latin alias to count: acronyms in capitals
    ("CAN", not "can"; "FAR", not "far"), names capitalised ("Nice", not "nice"); Arabic
    and lowercase aliases in any case."""
    first = alias.split()[0]
    if not first.isascii() and not first[0].isalpha():
        return "any"
    if len(first) > 1 and first.isupper():
        return "upper"
    return "cap" if first[0].isupper() else "any"


@functools.lru_cache(maxsize=1)
def tables() -> tuple[dict[tuple[str, ...], tuple[str, str]], int, frozenset[str], frozenset[str]]:
    """(folded alias tokens -> (id, case rule), longest alias in tokens, folded stop-words,
    the Arabic words of aliases).

    Months carry the rule "month": they count only next to a number ("14 mai", "May 14",
    "mai 2024"), so the English modal "may" or the planet never do."""
    lookup: dict[tuple[str, ...], tuple[str, str]] = {}
    for ident, aliases in ENTITIES.items():
        for alias in aliases:
            lookup[_fold_key(alias)] = (ident, "any" if "\u0600" <= alias[0] <= "\u06ff" else _case(alias))
    for month, names in _MONTHS.items():
        for name in names:
            lookup[_fold_key(name)] = (f"@month{month}", "month")
    for day, names in _WEEKDAYS.items():
        for name in names:
            lookup[_fold_key(name)] = (f"@day{day}", "any")
    lookup.pop((), None)
    longest = max(len(k) for k in lookup)
    stop = frozenset(fold_latin(w) for w in _STOPWORDS)
    arabic = frozenset(t for key in lookup for t in key if detect_script_arabic(t))
    return lookup, longest, stop, arabic


@functools.lru_cache(maxsize=1)
def alias_starts() -> dict[str, tuple[int, ...]]:
    """Folded first word of an alias -> the alias lengths (in words) starting with it, longest
    first: a word that starts no alias is skipped with one look-up, "Rabat" tries one length."""
    sizes: dict[str, set[int]] = {}
    for key in tables()[0]:
        sizes.setdefault(key[0], set()).add(len(key))
    return {first: tuple(sorted(lengths, reverse=True)) for first, lengths in sizes.items()}
