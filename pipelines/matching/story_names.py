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
from itertools import compress

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


# ---------------------------------------------------------------- people the table does not know
# A person is recognised without knowing them when a given name opens a run of capitalised
# words ("Karim Benjelloun", "Jean-Yves Le Drian"), after an honorific ("M. Dupont", "Sra.
# Robles"), or, in Arabic (no capitals), when a given name is followed by a word ("كريم
# بنجلون"). The lists hold common given names of the four languages' news, not a census: a
# name they miss is simply not compared (the safe side: it can never split a story).
_GIVEN_LATIN = """
abdellatif abdelatif abdellah abdallah abdelilah abdelkader abdelhak abdelaziz abdelmajid abdelhamid abdelkrim
abderrahim abderrahmane abdeslam abdelouahed abdelali abdelghani abdeljalil abdelfattah abdelmalek abdennour
abdelouafi abdelwahed abdelhafid abdelmounaim abdeljalil ahmed ahmad mohamed mohammed mohammad muhammad mohcine
mustapha mostafa mustafa youssef yousef youssouf yassine yassin hicham hisham karim khalid khaled rachid rashid
saad omar othmane otmane hamza hassan hassane hussein houssine hocine ali amine mehdi nabil nadia fatima fatiha
khadija aicha amina samira salma meryem maryam myriam leila laila latifa naima nawal zineb zakaria ilyas ilias
anas ayoub badr brahim ibrahim driss idriss jamal jamel jawad adil adel aziz aziza noureddine nourdine tarik
tariq taoufik tawfik fouad faouzi mounir mourad morad nasser redouane reda soufiane sofiane souad saida hakim
hakima hamid jalal kamal kamel lahcen lhoussaine mbarek nizar rachida rajae sanaa siham wafae wafaa yasmine
younes youness zouhair chakib bachir bouchra habib hafid hanane houda ilham imane ikram jihane kenza loubna
malika mariam meriem naoufal noura rabie saloua soumia touria yahya yousra zakia nasser abdelouahab lamia
jean pierre michel philippe alain nicolas christophe francois frederic laurent olivier eric thierry patrick
bruno gerald emmanuel louis celine marie anne isabelle sophie catherine nathalie valerie sandrine christine
sylvie claire julien thomas antoine guillaume mathieu matthieu sebastien vincent stephane didier dominique
bernard gilles jacques pascal yves herve xavier remi damien fabien jerome arnaud benoit cedric gabriel raphael
elisabeth agnes brigitte martine monique helene camille lucie julie laura manon pauline emilie aurelien florian
maxime romain alexandre benjamin hugo lucas paul henri charles marc marine segolene francoise chantal michele
edouard elise gerard lionel rene sylvain yann
jose juan carlos luis antonio francisco javier miguel pedro pablo fernando jorge alberto rafael alejandro
diego sergio ramon raul enrique andres david daniel mario victor alfonso ignacio teresa maria carmen
ana isabel pilar lucia cristina marta elena sara paula rocio nuria margarita yolanda beatriz irene
john james robert michael william richard joseph christopher matthew mark donald anthony steven andrew
kenneth joshua kevin brian george edward ronald timothy jason jeffrey ryan jacob gary jonathan stephen justin
scott brandon samuel frank gregory raymond peter mary patricia jennifer linda barbara susan jessica sarah
karen lisa margaret sandra ashley emily michelle amanda melissa rebecca sharon kathleen amy angela anna
emma olivia kate rachel hannah helen alice keir rishi boris kamala antony
""".split()

_GIVEN_ARABIC = """
محمد أحمد يوسف نادية هشام مهدي سعاد خالد حسين ياسين حمزة إبراهيم إدريس مصطفى عثمان لحسن شكيب كنزة يحيى يونس نزار
سلمى مريم ليلى لطيفة نعيمة زينب زكرياء زكريا إلياس أيوب فاطمة خديجة عائشة سميرة رشيدة نوال لمياء
فريديريك فريدريك لويس سيلين نيكولا كريستوف لوران جيرالد برونو إيمانويل ايمانويل جان بيير ميشيل فيليب
فرانسوا إريك باتريك دومينيك ستيفان جوليان توماس ماري كاترين إيزابيل إليزابيث ماكسيم
خوسيه خوان كارلوس بيدرو فرناندو ميغيل مانويل أنطونيو بابلو ماريا جيمس ديفيد مايكل روبرت ويليام
""".split()
"""Only given names that are no common word once folded: not "حسن" (good, "حسن الجوار"), "علي"
(= "على", on), "آلان"/"آن" (= "الآن"/"أن"), "أمين", "كريم", "نور", "إيمان", "عمر", "صوفي"…"""
_AR_COMPOUND = frozenset({"عبد", "ابو", "أبو"})  # "عبد اللطيف", "أبو بكر": a given name in two words
_AR_PARTICLES = frozenset({"بن", "ابن", "بنت", "ايت", "آيت", "ولد"})
_LATIN_PARTICLES = frozenset({"el", "al", "ben", "ait", "ou", "bel", "bou", "abou", "abu", "de", "del", "da", "di",
                              "van", "von", "le", "la", "du", "des", "d", "y"})
HONORIFICS = frozenset({"M", "Mme", "Mmes", "Mlle", "Mr", "Mrs", "Ms", "Dr", "Pr", "Sr", "Sra", "Srta", "Dª", "D"})
"""Written as-is before a surname ("M. Dupont", "Sra. Robles"): the next capitalised word is a person."""
_AR_HONORIFICS = frozenset({"السيد", "السيدة"})
NOT_AFTER = frozenset(fold_latin(w) for w in """
saint sainte st san santa santo rue avenue boulevard bd place stade lycee college ecole hopital aeroport
universite complexe quai pont calle avenida plaza paseo estadio hospital aeropuerto universidad colegio street
road square stadium airport university college hospital prix fondation fundacion foundation mosquee mezquita
mosque
""".split()) | frozenset(fold_arabic(w) for w in "شارع مطار ملعب جامعة مستشفى مركب ثانوية مدرسة ساحة حي مسجد مؤسسة جائزة".split())
"""A given name after these opens a place or an institution ("rue Jean Jaurès", "stade Mohammed V"), not a person."""
_AR_STOP = frozenset(fold_arabic(w) for w in """
في من على إلى الى عن مع أن ان إن الذي التي الذين هذا هذه ذلك تلك كان كانت قد لقد ثم أو او بين عند حول خلال بعد قبل
وفدا وفد رفقة يوم أمس اليوم رئيس مدير المدير وزير الوزير
""".split())


@functools.lru_cache(maxsize=1)
def given_names() -> tuple[frozenset[str], frozenset[str]]:
    """(folded Latin given names, folded Arabic given names without their article)."""
    return frozenset(fold_latin(w) for w in _GIVEN_LATIN), frozenset(fold_arabic(w) for w in _GIVEN_ARABIC)


_SKELETON_LATIN = (("sh", "ch"), ("kh", "k"), ("ck", "k"), ("q", "k"), ("ph", "f"), ("th", "t"), ("w", "u"), ("z", "s"))


def name_key(token: str) -> str:
    """A surname reduced so that transliterations of one name meet: "Benjelloun"/"Benjeloun" ->
    "bnjln", "Chraïbi"/"Chraybi" -> "chrb", "العمراني"/"عمراني" -> one key. Keys of different
    names may collide (then they are taken for one person: never a wrong split)."""
    if detect_script_arabic(token):
        word = _ar_base(token)
        head, rest = word[:1], word[1:]
        rest = "".join(c for c in rest if c not in "اويىءئؤ")
    else:
        word = fold_latin(token)
        for a, b in _SKELETON_LATIN:
            word = word.replace(a, b)
        head, rest = word[:1], word[1:]
        rest = "".join(c for c in rest if c not in "aeiouyh")
    out = head
    for c in rest:
        if c != out[-1:]:
            out += c
    return out


TABLE, LATIN, ARABIC = 0, 1, 2
"""How a person was recognised: by the table (one id in every script), or by a given name in
Latin or Arabic script (comparable only with articles written in the same script)."""


_fold_ar = functools.lru_cache(maxsize=100_000)(fold_arabic)


def _strip_clitic(folded: str, known: frozenset[str]) -> str:
    """An Arabic word without the conjunction or preposition glued to it, when that makes a
    known given name ("ومحمد" -> "محمد")."""
    if folded not in known and len(folded) > 3 and folded[0] in _AR_CLITICS and folded[1:] in known:
        return folded[1:]
    return folded


def find_persons(raws: list[str], n_title: int, n_principal: int) -> dict[str, tuple[int, bool, tuple[str, ...]]]:
    """People an article names (pure): key -> (how recognised, named in the title or lede,
    the feature strings of their name's words).

    ``raws``: the title's (``n_title``) then the text's words; the first ``n_principal`` of
    them are the title and lede, where an article names who its event is about (later names
    are often quotes and background). In the title only table people and surnames of names
    found in the text count: English titles capitalise every word ("Morocco, France Mark New Era"). Keys: a table id ("@veaux") or the ``name_key`` of the surname
    ("l:bnjln", "a:..."). A surname alone after the full name ("M. Benjelloun a ajouté",
    "Benjelloun said") is the same person."""
    lookup, _, stop, _ = tables()
    starts = alias_starts()
    given_l, given_a = given_names()
    n = len(raws)
    found: dict[str, tuple[int, bool, tuple[str, ...]]] = {}
    surnames: dict[str, str] = {}  # Latin surname as written -> key, for second mentions

    def add(key: str, how: int, at: int, parts: tuple[str, ...]) -> None:
        old = found.get(key)
        principal = at < n_principal
        if old is None:
            found[key] = (how, principal, parts)
        elif principal and not old[1]:
            found[key] = (old[0], True, old[2])

    def table_hit(i: int) -> tuple[str, int] | None:
        folded = fold_token(raws[i])
        for size in starts.get(folded, ()):
            if i + size <= n:
                hit = lookup.get((folded,) if size == 1 else tuple(map(fold_token, raws[i : i + size])))
                if hit is not None and (hit[1] == "any" or raws[i][0].isupper() or not raws[i].isascii()):
                    return hit[0], size
        return None

    def is_cap(j: int) -> bool:
        return j < n and raws[j][0].isupper() and fold_token(raws[j]) not in stop

    skip_to = 0
    for i in compress(range(n), map(_opens_name, raws)):  # C loops: most words open no name
        if i < skip_to:
            continue
        raw = raws[i]
        folded = fold_token(raw)
        arabic = not raw[0].isupper() and detect_script_arabic(raw)
        hit = table_hit(i) if folded in starts else None
        if hit is not None:
            if hit[0] in PEOPLE:
                add(hit[0], TABLE, i, (hit[0],))
            skip_to = i + hit[1]
            continue
        if i < n_title:
            continue
        before = fold_token(raws[i - 1]) if i else ""
        if before in NOT_AFTER or (arabic and i and _fold_ar(raws[i - 1]) in NOT_AFTER):
            continue
        span: list[int] = []
        j = i
        if arabic:
            first = _strip_clitic(_fold_ar(raw), given_a)
            if first in _AR_COMPOUND and i + 1 < n:
                j = i + 2
            elif first in given_a:
                j = i + 1
            elif first in _AR_HONORIFICS:
                j = i + 1
            else:
                continue
            while j < n and _fold_ar(raws[j]) in given_a:  # "محمد أمين ..."
                j += 1
            while j < n and _fold_ar(raws[j]) in _AR_PARTICLES:
                span.append(j)
                j += 1
            if j < n and detect_script_arabic(raws[j]) and _fold_ar(raws[j]) not in _AR_STOP and len(raws[j]) > 1:
                if (t := table_hit(j)) is None or t[0] in PEOPLE:
                    span.append(j)
            if not span or span[-1] != j:
                continue
            key_hit = table_hit(j)
            key, how = (key_hit[0], TABLE) if key_hit else ("a:" + name_key(raws[j]), ARABIC)
        else:
            if folded in given_l:
                j = i + 1
                while j < n and fold_token(raws[j]) in given_l and raws[j][0].isupper():  # "Jean Yves", "Marie Claire"
                    j += 1
            elif raw in HONORIFICS and j + 1 < n and raws[j + 1][0].isupper():
                j = i + 1
            else:
                continue
            while j < n:
                low = fold_token(raws[j])
                if low in _LATIN_PARTICLES and j + 1 < n and raws[j + 1][0].isupper() and not raws[j][0].isupper() \
                        or low in ("el", "al", "ben", "ait", "bel", "bou", "le", "de", "del", "van", "von") and is_cap(j + 1):
                    span.append(j)
                    j += 1
                elif is_cap(j) and not raws[j].isupper():
                    t = table_hit(j)
                    if t is not None and t[0] not in PEOPLE:
                        break
                    span.append(j)
                    j += 1
                elif is_cap(j) and len(raws[j]) > 1 and all(c in "IVX" for c in raws[j]):  # "Mohammed VI"
                    span.append(j)
                    j += 1
                else:
                    break
            while span and not is_cap(span[-1]):
                span.pop()
            if not span:
                skip_to = j
                continue
            people = [t[0] for k in span if (t := table_hit(k)) is not None and t[0] in PEOPLE]
            # the first surname word is the one every outlet keeps ("Francisco Pardo Piqueras",
            # "Francisco Pardo"; "Karim El Amrani", "El Amrani")
            names = [k for k in span if is_cap(k)]
            key, how = (people[-1], TABLE) if people else ("l:" + name_key(raws[names[0]]), LATIN)
            for k in names:
                surnames[raws[k]] = key
        parts = tuple(dict.fromkeys(fold_token(raws[k]) for k in range(i, span[-1] + 1)))
        add(key, how, i, parts + ((key,) if how == TABLE else ()))
        skip_to = span[-1] + 1
    # a surname alone ("M. Benjelloun a ajouté", "Benjelloun said"; in the title, its full name further down)
    if surnames:
        for k in compress(range(n), map(surnames.__contains__, raws)):
            key = surnames[raws[k]]
            add(key, found[key][0], k, found[key][2])
    return found


@functools.lru_cache(maxsize=200_000)
def _opens_name(raw: str) -> bool:
    """Can a person's name (or a table alias) start at this word? Most words cannot: one
    cached look-up each, so only a handful per article are looked at closely."""
    folded = fold_token(raw)
    if folded in alias_starts():
        return True
    given_l, given_a = given_names()
    if raw[0].isupper():
        return folded in given_l or raw in HONORIFICS
    if raw.isascii():
        return False
    fa = _fold_ar(raw)
    return fa in given_a or fa[1:] in given_a or fa in _AR_COMPOUND or fa in _AR_HONORIFICS
