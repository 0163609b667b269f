"""Small per-language vocabularies and sentence templates for the generated outlets.

Text is made of templates whose ``{slots}`` are filled from pools; some templates tell of
Morocco–France police and intelligence cooperation (the topic newswatch watches), some are
near misses (Morocco and France without security, security without France), most are
ordinary news. Dates are written the way each kind of outlet shows them, with Moroccan
Arabic month names. French text stays inside ISO-8859-1 and Arabic inside windows-1256,
so the bad-input outlet can serve it in those charsets.
"""

from __future__ import annotations

import random
from datetime import datetime

LANGUAGES = ("fr", "ar", "en", "es")

MONTHS = {
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"],
    "ar": ["يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو", "يوليوز", "غشت", "شتنبر", "أكتوبر",
           "نونبر", "دجنبر"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
           "octubre", "noviembre", "diciembre"],
}
WEEKDAYS = {
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "ar": ["الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "es": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
}


def visible_date(lang: str, style: str, when: datetime) -> str:
    """A date as an outlet prints it. Styles: long, dash, weekday, day (day only)."""
    d, y, hh, mm = when.day, when.year, when.hour, when.minute
    month = MONTHS[lang][when.month - 1]
    weekday = WEEKDAYS[lang][when.weekday()]
    if style == "day":
        return {"fr": f"{d:02d} - {when.month:02d} - {y}", "ar": f"{d:02d} - {when.month:02d} - {y}",
                "en": f"{d:02d} - {when.month:02d} - {y}", "es": f"{d:02d} - {when.month:02d} - {y}"}[lang]
    if lang == "fr":
        return {"long": f"Publié le {d} {month} {y} à {hh}h{mm:02d}",
                "dash": f"{d} {month} {y} - {hh}h{mm:02d}",
                "weekday": f"Le {weekday} {d} {month} {y} à {hh}:{mm:02d}"}[style]
    if lang == "ar":
        return {"long": f"نشر في {d} {month} {y} على الساعة {hh}:{mm:02d}",
                "dash": f"{weekday} {d} {month} {y} - {hh}:{mm:02d}",
                "weekday": f"{weekday} {d} {month} {y} | {hh}:{mm:02d}"}[style]
    if lang == "en":
        h12 = hh % 12 or 12
        ampm = "AM" if hh < 12 else "PM"
        return {"long": f"Published {month} {d}, {y} at {h12}:{mm:02d} {ampm}",
                "dash": f"{d} {month} {y} - {hh}:{mm:02d}",
                "weekday": f"{weekday}, {month} {d}, {y} - {hh}:{mm:02d}"}[style]
    return {"long": f"Publicado el {d} de {month} de {y} a las {hh}:{mm:02d}",
            "dash": f"{d} de {month} de {y} - {hh}:{mm:02d}",
            "weekday": f"{weekday} {d} de {month} de {y}, {hh}:{mm:02d}"}[style]


# ---------------------------------------------------------------- slot pools
POOLS: dict[str, dict[str, list[str]]] = {
    "fr": {
        "city": ["Rabat", "Casablanca", "Tanger", "Fès", "Marrakech", "Agadir", "Oujda", "Paris", "Marseille",
                 "Lyon", "Lille", "Bordeaux", "Toulouse", "Nador", "Tétouan"],
        "num": ["12", "17", "23", "31", "48", "56", "64", "75", "88", "120", "150", "230", "1.200", "3.500"],
        "pct": ["2,1 %", "3,4 %", "4,8 %", "6,5 %", "7,2 %", "9,9 %", "12 %"],
        "person": ["Karim Benjelloun", "Nadia El Amrani", "Youssef Tazi", "Sophie Martin", "Hicham Alaoui",
                   "Claire Dubois", "Mehdi Berrada", "Laura Petit", "Omar Chraibi", "Julien Moreau"],
        "org": ["le HCP", "Bank Al-Maghrib", "l'ONCF", "la CGEM", "l'OCP", "la mairie", "le ministère de la Santé",
                "l'Office national des aéroports", "le Conseil de la concurrence", "l'Insee"],
        "team": ["le Wydad", "le Raja", "l'AS FAR", "la RS Berkane", "le PSG", "l'OM", "l'OL", "les Lions de l'Atlas"],
        "coop_ma": ["Abdellatif Hammouchi", "le directeur général de la DGSN-DGST", "le patron de la DGST"],
        "coop_fr": ["Frédéric Veaux", "Louis Laugier", "Céline Berthon", "Nicolas Lerner",
                    "l'ambassadeur Christophe Lecourtier", "le directeur général de la Police nationale"],
        "coop_org": ["la DGSN", "la DGST", "la DGSI", "la DGSE", "le BCIJ", "Interpol", "la Police nationale française"],
        "crime": ["le terrorisme", "le trafic de drogue", "la criminalité organisée", "les réseaux d'immigration irrégulière",
                  "la cybercriminalité", "la traite des êtres humains"],
        "product": ["l'huile d'olive", "les agrumes", "les phosphates", "le textile", "l'automobile", "le tourisme"],
        "work": ["le festival", "l'exposition", "le concert", "le salon du livre", "la biennale", "le film"],
    },
    "ar": {
        "city": ["الرباط", "الدار البيضاء", "طنجة", "فاس", "مراكش", "أكادير", "وجدة", "باريس", "مرسيليا", "ليون",
                 "الناظور", "تطوان", "مكناس"],
        "num": ["12", "17", "23", "31", "48", "56", "64", "75", "88", "120", "150", "230", "1200", "3500"],
        "pct": ["2,1 في المائة", "3,4 في المائة", "4,8 في المائة", "6,5 في المائة", "9,9 في المائة"],
        "person": ["كريم بنجلون", "نادية العمراني", "يوسف التازي", "هشام العلوي", "مهدي برادة", "عمر الشرايبي",
                   "سعاد الإدريسي", "رشيد بنعلي"],
        "org": ["المندوبية السامية للتخطيط", "بنك المغرب", "المكتب الوطني للسكك الحديدية", "الاتحاد العام لمقاولات المغرب",
                "وزارة الصحة", "المجلس الجماعي", "مجلس المنافسة"],
        "team": ["الوداد", "الرجاء", "الجيش الملكي", "نهضة بركان", "المنتخب الوطني", "أسود الأطلس"],
        "coop_ma": ["عبد اللطيف حموشي", "المدير العام للأمن الوطني ومراقبة التراب الوطني", "قطب المديرية العامة للأمن الوطني"],
        "coop_fr": ["فريديريك فو", "لويس لوجيي", "سيلين برطون", "نيكولا ليرنر", "السفير كريستوف لوكورتيي",
                    "المدير العام للشرطة الوطنية الفرنسية"],
        "coop_org": ["المديرية العامة للأمن الوطني", "المديرية العامة لمراقبة التراب الوطني",
                     "المديرية العامة للأمن الداخلي الفرنسية", "المكتب المركزي للأبحاث القضائية", "الإنتربول",
                     "الشرطة الوطنية الفرنسية"],
        "crime": ["الإرهاب", "الاتجار في المخدرات", "الجريمة المنظمة", "شبكات الهجرة غير النظامية", "الجريمة الإلكترونية",
                  "الاتجار بالبشر"],
        "product": ["زيت الزيتون", "الحوامض", "الفوسفاط", "النسيج", "صناعة السيارات", "السياحة"],
        "work": ["المهرجان", "المعرض", "الحفل", "المعرض الدولي للكتاب", "الفيلم"],
    },
    "en": {
        "city": ["Rabat", "Casablanca", "Tangier", "Fez", "Marrakech", "Agadir", "Oujda", "Paris", "Marseille",
                 "Lyon", "Nador", "Tetouan"],
        "num": ["12", "17", "23", "31", "48", "56", "64", "75", "88", "120", "150", "230", "1,200", "3,500"],
        "pct": ["2.1%", "3.4%", "4.8%", "6.5%", "7.2%", "9.9%", "12%"],
        "person": ["Karim Benjelloun", "Nadia El Amrani", "Youssef Tazi", "Sarah Collins", "Hicham Alaoui",
                   "Mehdi Berrada", "Omar Chraibi", "James Walker"],
        "org": ["the High Commission for Planning", "Bank Al-Maghrib", "the national railway office", "the CGEM",
                "the health ministry", "the city council", "the Competition Council"],
        "team": ["Wydad", "Raja", "AS FAR", "RS Berkane", "the Atlas Lions", "Paris Saint-Germain"],
        "coop_ma": ["Abdellatif Hammouchi", "the head of Morocco's DGSN and DGST", "the DGST chief"],
        "coop_fr": ["Frederic Veaux", "Louis Laugier", "Celine Berthon", "Nicolas Lerner",
                    "ambassador Christophe Lecourtier", "the director general of the French National Police"],
        "coop_org": ["the DGSN", "the DGST", "the French DGSI", "the DGSE", "the BCIJ", "Interpol",
                     "the French National Police"],
        "crime": ["terrorism", "drug trafficking", "organised crime", "irregular migration networks", "cybercrime",
                  "human trafficking"],
        "product": ["olive oil", "citrus fruit", "phosphates", "textiles", "car parts", "tourism"],
        "work": ["the festival", "the exhibition", "the concert", "the book fair", "the film"],
    },
    "es": {
        "city": ["Rabat", "Casablanca", "Tánger", "Fez", "Marrakech", "Agadir", "Uchda", "París", "Marsella",
                 "Ceuta", "Melilla", "Tetuán", "Nador"],
        "num": ["12", "17", "23", "31", "48", "56", "64", "75", "88", "120", "150", "230", "1.200", "3.500"],
        "pct": ["2,1 %", "3,4 %", "4,8 %", "6,5 %", "7,2 %", "9,9 %", "12 %"],
        "person": ["Karim Benjelloun", "Nadia El Amrani", "Youssef Tazi", "Lucía García", "Hicham Alaoui",
                   "Mehdi Berrada", "Omar Chraibi", "Javier López"],
        "org": ["el Alto Comisariado del Plan", "Bank Al-Maghrib", "la oficina nacional de ferrocarriles", "la CGEM",
                "el ministerio de Sanidad", "el ayuntamiento", "el Consejo de la Competencia"],
        "team": ["el Wydad", "el Raja", "el AS FAR", "el RS Berkane", "los Leones del Atlas", "el Girona"],
        "coop_ma": ["Abdellatif Hammouchi", "el director general de la DGSN y la DGST", "el jefe de la DGST"],
        "coop_fr": ["Frédéric Veaux", "Louis Laugier", "Céline Berthon", "Nicolas Lerner",
                    "el embajador Christophe Lecourtier", "el director general de la Policía Nacional francesa"],
        "coop_org": ["la DGSN", "la DGST", "la DGSI francesa", "la DGSE", "la BCIJ", "Interpol",
                     "la Policía Nacional francesa"],
        "crime": ["el terrorismo", "el narcotráfico", "el crimen organizado", "las redes de inmigración irregular",
                  "la ciberdelincuencia", "la trata de personas"],
        "product": ["el aceite de oliva", "los cítricos", "los fosfatos", "el textil", "la automoción", "el turismo"],
        "work": ["el festival", "la exposición", "el concierto", "la feria del libro", "la película"],
    },
}

# ---------------------------------------------------------------- sentences and titles per topic
SENTENCES: dict[str, dict[str, list[str]]] = {
    "fr": {
        "coop": [
            "{coop_ma} a reçu à {city} une délégation conduite par {coop_fr} pour examiner la coopération sécuritaire entre le Maroc et la France.",
            "Les deux parties ont passé en revue les mécanismes d'échange de renseignements sur {crime} et les menaces transnationales.",
            "Selon un communiqué de {coop_org}, les échanges ont porté sur la coordination opérationnelle et l'assistance technique.",
            "La France a salué l'expertise marocaine dans la lutte contre {crime}, rappelant le soutien apporté lors des Jeux Olympiques de Paris.",
            "{coop_fr} a souligné que la coopération entre la Police nationale française et la DGSN n'avait jamais été aussi étroite.",
            "Un plan d'action conjoint prévoit des formations mutuelles et la création de groupes de travail sur {crime}.",
            "Les services marocains ont transmis à {coop_org} des informations ayant permis l'interpellation de {num} suspects à {city}.",
            "Cette rencontre s'inscrit dans la dynamique de réchauffement des relations franco-marocaines observée depuis plusieurs mois.",
            "{coop_ma} a été décoré par les autorités françaises en reconnaissance de son rôle dans la sécurité commune des deux pays.",
            "Les responsables ont convenu d'élargir l'échange de données sur les personnes recherchées au niveau international.",
            "Le BCIJ, agissant sur la base d'informations fournies par la DGST, a démantelé une cellule liée à {crime} près de {city}.",
            "Paris et Rabat entendent institutionnaliser une coopération policière et judiciaire jugée exemplaire par les deux capitales.",
        ],
        "near": [
            "Le Maroc et la France ont signé à {city} {num} accords dans les domaines de l'énergie, de l'eau et de la formation.",
            "Les échanges commerciaux entre les deux pays ont progressé de {pct} l'an dernier, portés par {product}.",
            "Une délégation d'entreprises françaises a visité {city} pour explorer des partenariats dans {product}.",
            "La police espagnole et la DGSN ont mené une opération conjointe contre {crime} dans le détroit de Gibraltar.",
            "Les autorités ont rappelé que les relations culturelles entre les deux rives restaient très denses.",
            "{person}, économiste, estime que la relance des investissements dépendra de la stabilité des règles fiscales.",
            "Le forum d'affaires franco-marocain a réuni plus de {num} participants venus de {city} et de {city2}.",
            "Les discussions ont également porté sur la mobilité des étudiants et la délivrance des visas.",
        ],
        "economie": [
            "Selon {org}, la croissance économique devrait atteindre {pct} cette année, soutenue par {product}.",
            "Les exportations de {product} ont augmenté de {pct} au premier semestre, d'après les chiffres publiés à {city}.",
            "{person}, analyste financier, juge que la baisse du taux directeur relancera le crédit aux entreprises.",
            "La Bourse de Casablanca a clôturé la séance en hausse de {pct}, portée par les valeurs bancaires.",
            "Le projet, d'un coût de {num} millions de dirhams, doit créer plusieurs centaines d'emplois dans la région de {city}.",
            "Les professionnels du secteur réclament une simplification des procédures administratives et un meilleur accès au financement.",
            "L'inflation a ralenti à {pct} sur un an, mais les prix alimentaires restent élevés selon {org}.",
            "Une nouvelle zone industrielle sera inaugurée à {city} avant la fin de l'année.",
        ],
        "sport": [
            "{team} s'est imposé sur le score de 2 à 1 face à son rival, au terme d'un match disputé à {city}.",
            "L'entraîneur a salué l'état d'esprit de ses joueurs, qui restent sur {num} matchs sans défaite.",
            "Le stade de {city}, rénové pour la Coupe du monde 2030, accueillera la finale du championnat.",
            "{person} a inscrit un doublé et s'impose comme l'un des meilleurs buteurs de la saison.",
            "La fédération a annoncé un programme de formation des jeunes talents dans {num} centres régionaux.",
            "Les supporters se sont déplacés en nombre pour encourager {team} lors de ce déplacement décisif.",
            "Le sélectionneur dévoilera sa liste pour les prochains matchs amicaux la semaine prochaine.",
        ],
        "culture": [
            "{work} s'ouvre à {city} avec plus de {num} artistes venus d'Afrique et d'Europe.",
            "La programmation fait la part belle aux jeunes créateurs et aux musiques traditionnelles.",
            "{person}, commissaire de l'exposition, explique vouloir faire dialoguer patrimoine et création contemporaine.",
            "Les organisateurs attendent près de {num} visiteurs durant les dix jours de la manifestation.",
            "Le public a réservé un accueil chaleureux à la première projection, suivie d'un débat avec l'équipe.",
            "Une rétrospective consacrée aux peintres de l'école de {city} est présentée jusqu'à la fin du mois.",
            "Les ateliers destinés aux enfants affichent complet depuis plusieurs jours.",
        ],
        "societe": [
            "Les températures attendues ce {weekday} varient entre {num} degrés à {city} et des valeurs plus fraîches sur l'Atlas.",
            "{org} a lancé une campagne de sensibilisation à la sécurité routière dans {num} villes.",
            "Les habitants de {city} dénoncent la hausse des loyers et le manque de logements sociaux.",
            "Une nouvelle ligne de tramway reliera les quartiers périphériques de {city} au centre-ville.",
            "Les écoles de la région recevront {num} nouveaux enseignants à la rentrée, selon {org}.",
            "{person}, présidente d'une association locale, appelle à renforcer l'accompagnement des familles.",
            "Le service des urgences de l'hôpital de {city} a été entièrement rénové.",
            "Les pluies de la semaine ont permis de remplir les barrages à hauteur de {pct}.",
        ],
    },
    "ar": {
        "coop": [
            "استقبل {coop_ma} بمدينة {city} وفدا يقوده {coop_fr} لبحث سبل تعزيز التعاون الأمني بين المغرب وفرنسا.",
            "واستعرض الجانبان آليات تبادل المعلومات الاستخباراتية المتعلقة بمكافحة {crime} والتهديدات العابرة للحدود.",
            "وأوضح بلاغ صادر عن {coop_org} أن المباحثات همت التنسيق العملياتي والمساعدة التقنية بين الجانبين.",
            "ونوهت فرنسا بالخبرة المغربية في مجال مكافحة {crime}، مذكرة بالدعم المقدم خلال الألعاب الأولمبية بباريس.",
            "وأكد {coop_fr} أن التعاون بين الشرطة الوطنية الفرنسية والمديرية العامة للأمن الوطني بلغ مستوى غير مسبوق.",
            "ويتضمن مخطط العمل المشترك دورات تكوينية متبادلة وإحداث مجموعات عمل حول {crime}.",
            "وقدمت المصالح المغربية إلى {coop_org} معلومات مكنت من توقيف {num} مشتبها فيهم بمدينة {city}.",
            "ويندرج هذا اللقاء في إطار دينامية تحسن العلاقات المغربية الفرنسية خلال الأشهر الأخيرة.",
            "وتم توشيح {coop_ma} من طرف السلطات الفرنسية اعترافا بدوره في تعزيز الأمن المشترك للبلدين.",
            "واتفق المسؤولون على توسيع تبادل المعطيات حول الأشخاص المبحوث عنهم على الصعيد الدولي.",
            "وفكك المكتب المركزي للأبحاث القضائية، بناء على معلومات دقيقة للمديرية العامة لمراقبة التراب الوطني، خلية مرتبطة بـ{crime} قرب {city}.",
        ],
        "near": [
            "وقع المغرب وفرنسا بمدينة {city} على {num} اتفاقيات في مجالات الطاقة والماء والتكوين.",
            "وارتفعت المبادلات التجارية بين البلدين بنسبة {pct} خلال السنة الماضية بفضل {product}.",
            "وزار وفد من المقاولات الفرنسية مدينة {city} لاستكشاف فرص الشراكة في قطاع {product}.",
            "ونفذت الشرطة الإسبانية والمديرية العامة للأمن الوطني عملية مشتركة ضد {crime} بمضيق جبل طارق.",
            "وأكد {person}، الخبير الاقتصادي، أن عودة الاستثمارات رهينة باستقرار القواعد الجبائية.",
            "وجمع منتدى الأعمال المغربي الفرنسي أكثر من {num} مشاركا قدموا من {city} و{city2}.",
            "كما تناولت المباحثات تنقل الطلبة ومنح التأشيرات.",
        ],
        "economie": [
            "توقعت {org} أن يبلغ معدل النمو الاقتصادي {pct} خلال هذه السنة بفضل {product}.",
            "وارتفعت صادرات {product} بنسبة {pct} خلال النصف الأول من السنة حسب معطيات نشرت في {city}.",
            "ويرى {person}، المحلل المالي، أن خفض سعر الفائدة سيعيد تحريك القروض الموجهة للمقاولات.",
            "وأغلقت بورصة الدار البيضاء حصتها على ارتفاع بنسبة {pct} مدفوعة بأسهم البنوك.",
            "ويبلغ غلاف المشروع {num} مليون درهم ومن المنتظر أن يوفر مئات مناصب الشغل بجهة {city}.",
            "ويطالب مهنيو القطاع بتبسيط المساطر الإدارية وتسهيل الولوج إلى التمويل.",
            "وتراجع معدل التضخم إلى {pct} على أساس سنوي، غير أن أسعار المواد الغذائية ما تزال مرتفعة.",
        ],
        "sport": [
            "فاز {team} بهدفين مقابل هدف على منافسه في مباراة قوية احتضنها ملعب {city}.",
            "وأشاد المدرب بروح لاعبيه الذين لم يتذوقوا طعم الهزيمة في {num} مباريات متتالية.",
            "وسيحتضن ملعب {city} الذي تمت إعادة تأهيله لكأس العالم 2030 نهائي البطولة.",
            "وسجل {person} هدفين ليصبح من أبرز هدافي الموسم.",
            "وأعلنت الجامعة عن برنامج لتكوين المواهب الشابة في {num} مراكز جهوية.",
            "وتنقل المشجعون بأعداد كبيرة لمساندة {team} في هذه المواجهة الحاسمة.",
        ],
        "culture": [
            "انطلقت فعاليات {work} بمدينة {city} بمشاركة أكثر من {num} فنانا من إفريقيا وأوروبا.",
            "ويولي البرنامج أهمية كبيرة للمبدعين الشباب والموسيقى التقليدية.",
            "وأوضح {person}، المشرف على التظاهرة، أن الهدف هو الجمع بين التراث والإبداع المعاصر.",
            "وينتظر المنظمون حوالي {num} زائر طيلة أيام التظاهرة العشرة.",
            "وخصص الجمهور استقبالا حارا للعرض الأول الذي أعقبه نقاش مع فريق العمل.",
            "وتحتضن المدينة معرضا استعاديا لرسامي مدرسة {city} إلى غاية نهاية الشهر.",
        ],
        "societe": [
            "تتراوح درجات الحرارة المرتقبة يوم {weekday} بين {num} درجة في {city} وقيم أقل على مرتفعات الأطلس.",
            "وأطلقت {org} حملة تحسيسية حول السلامة الطرقية في {num} مدينة.",
            "ويشتكي سكان {city} من ارتفاع أسعار الكراء ونقص السكن الاجتماعي.",
            "وسيربط خط جديد للترامواي الأحياء المحيطة بمدينة {city} بوسط المدينة.",
            "وستستقبل مدارس الجهة {num} أستاذا جديدا مع الدخول المدرسي حسب {org}.",
            "ودعت {person}، رئيسة جمعية محلية، إلى تعزيز مواكبة الأسر.",
            "وساهمت أمطار الأسبوع في رفع نسبة ملء السدود إلى {pct}.",
        ],
    },
    "en": {
        "coop": [
            "{coop_ma} received in {city} a delegation led by {coop_fr} to review security cooperation between Morocco and France.",
            "Both sides reviewed intelligence-sharing mechanisms on {crime} and cross-border threats.",
            "According to a statement from {coop_org}, the talks focused on operational coordination and technical assistance.",
            "France praised Moroccan expertise in the fight against {crime}, recalling the support provided during the Paris Olympics.",
            "{coop_fr} stressed that cooperation between the French National Police and the DGSN had never been closer.",
            "A joint action plan provides for mutual training and working groups on {crime}.",
            "Moroccan services passed information to {coop_org} that led to the arrest of {num} suspects in {city}.",
            "The meeting is part of the warming of Moroccan-French relations seen over recent months.",
            "{coop_ma} was decorated by the French authorities for his role in the shared security of both countries.",
            "Officials agreed to widen the exchange of data on internationally wanted persons.",
            "Acting on intelligence from the DGST, the BCIJ dismantled a cell linked to {crime} near {city}.",
        ],
        "near": [
            "Morocco and France signed {num} agreements in {city} covering energy, water and vocational training.",
            "Trade between the two countries grew by {pct} last year, driven by {product}.",
            "A delegation of French companies visited {city} to explore partnerships in {product}.",
            "Spanish police and the DGSN carried out a joint operation against {crime} in the Strait of Gibraltar.",
            "{person}, an economist, said renewed investment would depend on stable tax rules.",
            "The Moroccan-French business forum gathered more than {num} participants from {city} and {city2}.",
            "The talks also covered student mobility and visa issuance.",
        ],
        "economie": [
            "According to {org}, economic growth should reach {pct} this year, supported by {product}.",
            "Exports of {product} rose by {pct} in the first half, according to figures released in {city}.",
            "{person}, a financial analyst, expects the rate cut to revive lending to companies.",
            "The Casablanca Stock Exchange closed {pct} higher, lifted by banking stocks.",
            "The project, worth {num} million dirhams, is expected to create hundreds of jobs in the {city} region.",
            "Industry professionals are calling for simpler procedures and better access to finance.",
            "Inflation slowed to {pct} year on year, but food prices remain high according to {org}.",
        ],
        "sport": [
            "{team} won 2-1 against their rivals in a hard-fought match in {city}.",
            "The coach praised the spirit of his players, now unbeaten in {num} matches.",
            "The stadium in {city}, renovated for the 2030 World Cup, will host the league final.",
            "{person} scored twice and is now one of the top scorers of the season.",
            "The federation announced a youth development programme across {num} regional centres.",
            "Supporters travelled in large numbers to back {team} in this decisive away game.",
        ],
        "culture": [
            "{work} opened in {city} with more than {num} artists from Africa and Europe.",
            "The programme gives pride of place to young creators and traditional music.",
            "{person}, the curator, said the aim was to bring heritage and contemporary creation together.",
            "Organisers expect around {num} visitors over the ten days of the event.",
            "The audience gave a warm welcome to the first screening, followed by a debate with the crew.",
            "A retrospective of painters from the {city} school runs until the end of the month.",
        ],
        "societe": [
            "Temperatures expected on {weekday} range from {num} degrees in {city} to cooler values in the Atlas.",
            "{org} launched a road safety awareness campaign in {num} cities.",
            "Residents of {city} complain about rising rents and a shortage of social housing.",
            "A new tram line will link the outer districts of {city} to the city centre.",
            "Schools in the region will welcome {num} new teachers at the start of the year, according to {org}.",
            "{person}, who chairs a local association, called for more support for families.",
            "This week's rain has raised dam filling rates to {pct}.",
        ],
    },
    "es": {
        "coop": [
            "{coop_ma} recibió en {city} a una delegación encabezada por {coop_fr} para examinar la cooperación en seguridad entre Marruecos y Francia.",
            "Ambas partes repasaron los mecanismos de intercambio de inteligencia sobre {crime} y las amenazas transfronterizas.",
            "Según un comunicado de {coop_org}, las conversaciones se centraron en la coordinación operativa y la asistencia técnica.",
            "Francia elogió la experiencia marroquí en la lucha contra {crime} y recordó el apoyo prestado durante los Juegos Olímpicos de París.",
            "{coop_fr} subrayó que la cooperación entre la Policía Nacional francesa y la DGSN nunca había sido tan estrecha.",
            "Un plan de acción conjunto prevé formaciones mutuas y grupos de trabajo sobre {crime}.",
            "Los servicios marroquíes transmitieron a {coop_org} información que permitió detener a {num} sospechosos en {city}.",
            "El encuentro se inscribe en el acercamiento entre Marruecos y Francia observado en los últimos meses.",
            "{coop_ma} fue condecorado por las autoridades francesas por su papel en la seguridad común de ambos países.",
            "Los responsables acordaron ampliar el intercambio de datos sobre personas buscadas a nivel internacional.",
            "La BCIJ, a partir de información de la DGST, desarticuló una célula vinculada a {crime} cerca de {city}.",
        ],
        "near": [
            "Marruecos y Francia firmaron en {city} {num} acuerdos en materia de energía, agua y formación profesional.",
            "El comercio entre ambos países creció un {pct} el año pasado, impulsado por {product}.",
            "Una delegación de empresas francesas visitó {city} para explorar alianzas en {product}.",
            "La policía española y la DGSN realizaron una operación conjunta contra {crime} en el estrecho de Gibraltar.",
            "{person}, economista, considera que la inversión dependerá de la estabilidad de las normas fiscales.",
            "El foro empresarial hispano-marroquí reunió a más de {num} participantes de {city} y {city2}.",
            "Las conversaciones también abordaron la movilidad de estudiantes y la concesión de visados.",
        ],
        "economie": [
            "Según {org}, el crecimiento económico alcanzaría el {pct} este año, apoyado por {product}.",
            "Las exportaciones de {product} aumentaron un {pct} en el primer semestre, según cifras publicadas en {city}.",
            "{person}, analista financiero, cree que la bajada de tipos reactivará el crédito a las empresas.",
            "La Bolsa de Casablanca cerró con una subida del {pct}, impulsada por los valores bancarios.",
            "El proyecto, de {num} millones de dírhams, creará cientos de empleos en la región de {city}.",
            "Los profesionales del sector reclaman trámites más sencillos y mejor acceso a la financiación.",
            "La inflación se moderó al {pct} interanual, aunque los alimentos siguen caros según {org}.",
        ],
        "sport": [
            "{team} se impuso por 2 a 1 a su rival en un partido muy disputado en {city}.",
            "El entrenador elogió la actitud de sus jugadores, que suman {num} partidos sin perder.",
            "El estadio de {city}, renovado para el Mundial 2030, acogerá la final del campeonato.",
            "{person} marcó un doblete y ya figura entre los máximos goleadores de la temporada.",
            "La federación anunció un programa de formación de jóvenes talentos en {num} centros regionales.",
            "La afición se desplazó en masa para apoyar a {team} en este partido decisivo.",
        ],
        "culture": [
            "{work} abrió sus puertas en {city} con más de {num} artistas de África y Europa.",
            "La programación da protagonismo a los jóvenes creadores y a la música tradicional.",
            "{person}, comisario de la muestra, explica que busca unir patrimonio y creación contemporánea.",
            "Los organizadores esperan unos {num} visitantes durante los diez días del evento.",
            "El público recibió con calor la primera proyección, seguida de un debate con el equipo.",
            "Una retrospectiva dedicada a los pintores de la escuela de {city} se expone hasta fin de mes.",
        ],
        "societe": [
            "Las temperaturas previstas para el {weekday} oscilan entre {num} grados en {city} y valores más frescos en el Atlas.",
            "{org} lanzó una campaña de seguridad vial en {num} ciudades.",
            "Los vecinos de {city} denuncian la subida de los alquileres y la falta de vivienda social.",
            "Una nueva línea de tranvía unirá los barrios periféricos de {city} con el centro.",
            "Los colegios de la región recibirán {num} nuevos docentes al inicio del curso, según {org}.",
            "{person}, presidenta de una asociación local, pidió más apoyo a las familias.",
            "Las lluvias de la semana elevaron el llenado de los embalses al {pct}.",
        ],
    },
}

TITLES: dict[str, dict[str, list[str]]] = {
    "fr": {
        "coop": ["Maroc-France : {coop_ma} et {coop_fr} renforcent la coopération sécuritaire",
                 "Coopération policière franco-marocaine : un plan d'action contre {crime}",
                 "{coop_org} et la DGST resserrent leurs liens face à {crime}",
                 "Renseignement : Rabat et Paris élargissent leur coordination opérationnelle"],
        "near": ["Maroc-France : {num} accords signés à {city}", "Commerce franco-marocain : hausse de {pct}",
                 "Opération conjointe hispano-marocaine contre {crime}"],
        "economie": ["Croissance : {org} table sur {pct}", "{city} : un projet de {num} millions de dirhams",
                     "Bourse de Casablanca : clôture en hausse de {pct}"],
        "sport": ["Football : {team} s'impose à {city}", "{person} porte {team}", "Mondial 2030 : le stade de {city} prêt"],
        "culture": ["{city} : {work} attire {num} artistes", "Culture : {person} ouvre {work}"],
        "societe": ["Météo : les températures attendues ce {weekday}", "{city} : une nouvelle ligne de tramway",
                    "Logement : la colère des habitants de {city}"],
    },
    "ar": {
        "coop": ["المغرب وفرنسا: {coop_ma} و{coop_fr} يعززان التعاون الأمني",
                 "التعاون الأمني المغربي الفرنسي: مخطط عمل لمكافحة {crime}",
                 "{coop_org} ومديرية مراقبة التراب الوطني يعززان التنسيق لمواجهة {crime}"],
        "near": ["المغرب وفرنسا يوقعان {num} اتفاقيات بمدينة {city}", "المبادلات التجارية المغربية الفرنسية ترتفع بنسبة {pct}",
                 "عملية أمنية مغربية إسبانية مشتركة ضد {crime}"],
        "economie": ["{org} تتوقع نموا بنسبة {pct}", "{city}: مشروع بقيمة {num} مليون درهم"],
        "sport": ["كرة القدم: {team} يفوز في {city}", "{person} يقود {team} إلى الفوز"],
        "culture": ["{city}: انطلاق {work} بمشاركة {num} فنانا", "{person} يفتتح {work}"],
        "societe": ["الطقس: درجات الحرارة المرتقبة يوم {weekday}", "{city}: خط جديد للترامواي"],
    },
    "en": {
        "coop": ["Morocco-France: {coop_ma} and {coop_fr} step up security cooperation",
                 "Moroccan-French police cooperation: an action plan against {crime}",
                 "Intelligence: Rabat and Paris widen operational coordination"],
        "near": ["Morocco and France sign {num} agreements in {city}", "Moroccan-French trade up {pct}",
                 "Joint Moroccan-Spanish operation against {crime}"],
        "economie": ["Growth: {org} expects {pct}", "{city}: a {num} million dirham project"],
        "sport": ["Football: {team} win in {city}", "{person} carries {team}"],
        "culture": ["{city}: {work} draws {num} artists", "Culture: {person} opens {work}"],
        "societe": ["Weather: temperatures expected on {weekday}", "{city}: a new tram line"],
    },
    "es": {
        "coop": ["Marruecos-Francia: {coop_ma} y {coop_fr} refuerzan la cooperación en seguridad",
                 "Cooperación policial franco-marroquí: un plan de acción contra {crime}",
                 "Inteligencia: Rabat y París amplían su coordinación operativa"],
        "near": ["Marruecos y Francia firman {num} acuerdos en {city}", "El comercio franco-marroquí sube un {pct}",
                 "Operación conjunta hispano-marroquí contra {crime}"],
        "economie": ["Crecimiento: {org} prevé un {pct}", "{city}: un proyecto de {num} millones de dírhams"],
        "sport": ["Fútbol: {team} gana en {city}", "{person} lidera a {team}"],
        "culture": ["{city}: {work} reúne a {num} artistas", "Cultura: {person} inaugura {work}"],
        "societe": ["Tiempo: las temperaturas previstas para el {weekday}", "{city}: una nueva línea de tranvía"],
    },
}

# Section slug -> label per language; the topic of an article picks its section.
SECTIONS = {
    "fr": {"politique": "Politique", "economie": "Économie", "sport": "Sport", "culture": "Culture", "societe": "Société"},
    "ar": {"politique": "سياسة", "economie": "اقتصاد", "sport": "رياضة", "culture": "ثقافة", "societe": "مجتمع"},
    "en": {"politique": "Politics", "economie": "Economy", "sport": "Sport", "culture": "Culture", "societe": "Society"},
    "es": {"politique": "Política", "economie": "Economía", "sport": "Deportes", "culture": "Cultura", "societe": "Sociedad"},
}
TOPIC_SECTION = {"coop": "politique", "near": "politique", "economie": "economie", "sport": "sport",
                 "culture": "culture", "societe": "societe"}

AUTHORS = {
    "fr": ["Sahirou Youssoufou", "Amal Bennani", "Pierre Lefèvre", "Rédaction", "Salma Kettani", "Marc Girard"],
    "ar": ["هشام الودغيري", "سعيد بنكيران", "هيئة التحرير", "أمينة السباعي", "ياسين الحسني"],
    "en": ["Sara Bennis", "John Harper", "Editorial team", "Yassine El Idrissi", "Amina Rahali"],
    "es": ["Laura Sánchez", "Redacción", "Mohamed Ouali", "Pablo Ruiz", "Fátima Zahra Amrani"],
}
TAGS = {
    "fr": ["Maroc", "France", "Sécurité", "DGSN", "Économie", "Football", "Culture", "Rabat", "Diplomatie", "Météo"],
    "ar": ["المغرب", "فرنسا", "الأمن", "اقتصاد", "كرة القدم", "ثقافة", "الرباط", "دبلوماسية", "طقس"],
    "en": ["Morocco", "France", "Security", "Economy", "Football", "Culture", "Rabat", "Diplomacy", "Weather"],
    "es": ["Marruecos", "Francia", "Seguridad", "Economía", "Fútbol", "Cultura", "Rabat", "Diplomacia", "Tiempo"],
}

# Boilerplate of each page shape, per language (what an extractor must leave out).
LABELS: dict[str, dict[str, str]] = {
    "fr": {"home": "Accueil", "read_also": "À lire :", "related": "Sujets associés :", "further": "Aller plus loin",
           "interest": "Ces articles devraient vous intéresser :", "reply": "LEAVE A REPLY",
           "enter_comment": "Please enter your comment!", "enter_name": "Please enter your name here",
           "no_comment": "Aucun commentaire", "mobile": "Quitter la version mobile", "flash": "FLASH INFOS",
           "reported": "Merci d'avoir signalé!",
           "reported_more": "Cette image sera automatiquement bloquée après qu'elle soit signalée par plusieurs personnes.",
           "published_in": "Publié dans", "source_link": "Cliquez ici pour lire l'article depuis sa source.",
           "follow": "Suivez {site} sur Google News", "follow_wa": "Suivez {site} sur WhatsApp", "by": "Ecrit par :",
           "most_read": "Les plus lus", "newsletter": "Inscrivez-vous à notre newsletter",
           "cookies": "Nous utilisons des cookies pour améliorer votre expérience. Accepter", "about": "Qui sommes-nous",
           "contact": "Contact", "login": "Se connecter", "search": "Rechercher", "legal": "Mentions légales",
           "share": "Partager sur Facebook Partager sur X Partager sur WhatsApp", "updated": "Mis à jour le",
           "video": "Vidéo", "page": "Page", "next": "Suivant", "not_found": "Page introuvable", "ago": "il y a"},
    "ar": {"home": "الرئيسية", "read_also": "اقرأ أيضا:", "related": "مواضيع ذات صلة:", "further": "للمزيد",
           "interest": "مقالات قد تهمك:", "reply": "اترك تعليقا", "enter_comment": "المرجو كتابة تعليقك!",
           "enter_name": "المرجو كتابة اسمك", "no_comment": "لا توجد تعليقات", "mobile": "الخروج من نسخة الهاتف",
           "flash": "عاجل", "reported": "شكرا على التبليغ!", "reported_more": "سيتم حجب هذه الصورة تلقائيا بعد التبليغ عنها.",
           "published_in": "نشر في", "source_link": "اضغط هنا لقراءة المقال من مصدره.",
           "follow": "تابعوا {site} على أخبار جوجل", "follow_wa": "تابعوا {site} على واتساب", "by": "بقلم:",
           "most_read": "الأكثر قراءة", "newsletter": "اشترك في النشرة الإخبارية",
           "cookies": "نستخدم ملفات تعريف الارتباط لتحسين تجربتك. قبول", "about": "من نحن", "contact": "اتصل بنا",
           "login": "تسجيل الدخول", "search": "بحث", "legal": "الشروط القانونية",
           "share": "شارك على فيسبوك شارك على إكس شارك على واتساب", "updated": "آخر تحديث", "video": "فيديو",
           "page": "صفحة", "next": "التالي", "not_found": "الصفحة غير موجودة", "ago": "منذ"},
    "en": {"home": "Home", "read_also": "Read also:", "related": "Related topics:", "further": "Go further",
           "interest": "You may also be interested in:", "reply": "LEAVE A REPLY",
           "enter_comment": "Please enter your comment!", "enter_name": "Please enter your name here",
           "no_comment": "No comments", "mobile": "Exit mobile version", "flash": "BREAKING NEWS",
           "reported": "Thanks for reporting!", "reported_more": "This image will be blocked automatically after several reports.",
           "published_in": "Published in", "source_link": "Click here to read the article at its source.",
           "follow": "Follow {site} on Google News", "follow_wa": "Follow {site} on WhatsApp", "by": "Written by:",
           "most_read": "Most read", "newsletter": "Subscribe to our newsletter",
           "cookies": "We use cookies to improve your experience. Accept", "about": "About us", "contact": "Contact",
           "login": "Log in", "search": "Search", "legal": "Legal notice",
           "share": "Share on Facebook Share on X Share on WhatsApp", "updated": "Updated", "video": "Video",
           "page": "Page", "next": "Next", "not_found": "Page not found", "ago": "ago"},
    "es": {"home": "Inicio", "read_also": "Lea también:", "related": "Temas relacionados:", "further": "Para saber más",
           "interest": "Estos artículos le pueden interesar:", "reply": "DEJA UNA RESPUESTA",
           "enter_comment": "¡Por favor ingrese su comentario!", "enter_name": "Por favor ingrese su nombre aquí",
           "no_comment": "Sin comentarios", "mobile": "Salir de la versión móvil", "flash": "ÚLTIMA HORA",
           "reported": "¡Gracias por avisar!", "reported_more": "Esta imagen se bloqueará tras varios avisos.",
           "published_in": "Publicado en", "source_link": "Haga clic aquí para leer el artículo en su fuente.",
           "follow": "Siga a {site} en Google News", "follow_wa": "Siga a {site} en WhatsApp", "by": "Escrito por:",
           "most_read": "Lo más leído", "newsletter": "Suscríbase a nuestro boletín",
           "cookies": "Usamos cookies para mejorar su experiencia. Aceptar", "about": "Quiénes somos",
           "contact": "Contacto", "login": "Iniciar sesión", "search": "Buscar", "legal": "Aviso legal",
           "share": "Compartir en Facebook Compartir en X Compartir en WhatsApp", "updated": "Actualizado el",
           "video": "Vídeo", "page": "Página", "next": "Siguiente", "not_found": "Página no encontrada", "ago": "hace"},
}

# Headlines of a multilingual ticker (aggregator shape): unrelated stories in fr/es/en.
TICKER = [
    "Sahara : la Bolivie suspend sa reconnaissance de la RASD", "Romain Saïss annonce sa retraite internationale",
    "La FIFA soutient le programme de formation des talents de la FRMF", "Air Europa lanza una nueva ruta hacia Tánger",
    "FIFA praises Moroccan youth football programme", "Bourse de Casablanca : clôture en territoire négatif",
    "Gerona: Azzedine Ounahi regresa tras su lesión", "Les températures attendues ce lundi",
    "Excédent d'énergie électrique : l'ANRE fixe le prix de rachat", "Tour du Rwanda : 90 coureurs au départ",
    "Revue de presse de ce lundi", "Edito. Capital humain", "L'accord de pêche Maroc-Russie franchit un nouveau pas",
    "Prix du livre : deux écrivains marocains dans la course", "Dialogue des cultures : les Nuits du Ramadan",
    "Bank of Africa inaugure un nouveau siège à Kigali", "Morocco's phosphate exports hit record high",
    "El Gobierno aprueba el proyecto de ley de prensa", "Conflit : le Tchad ferme sa frontière avec le Soudan",
    "Economie togolaise : l'industrie tire le PIB vers le haut",
]
IMAGE_FILES = ["WhatsApp_Image_2021-01-28_at_13.40.58.jpeg", "WhatsApp_Image_2021-03-28_at_22.56.08_1.jpeg",
               "IMG_20250625_WA0690.jpg", "DSC_0412-scaled.jpg", "photo_2024-06-26_18-02-11.jpg"]


class _Slots(dict):
    """format_map mapping that fills each slot from its pool on first use (same value within a text)."""

    def __init__(self, rng: random.Random, pools: dict[str, list[str]], weekday: str) -> None:
        super().__init__(weekday=weekday)
        self.rng = rng
        self.pools = pools

    def __missing__(self, key: str) -> str:
        pool = self.pools["city" if key == "city2" else key]
        value = self.rng.choice(pool)
        self[key] = value
        return value


_CONTRACTIONS = {
    "fr": ((" de le ", " du "), (" de les ", " des "), (" à le ", " au "), (" à les ", " aux ")),
    "es": ((" a el ", " al "), (" de el ", " del "), (" por el el ", " por el ")),
}


def _contract(lang: str, text: str) -> str:
    """Contract what slot filling leaves behind ("de le textile" -> "du textile", "a el Raja" -> "al Raja")."""
    for wrong, right in _CONTRACTIONS.get(lang, ()):
        text = text.replace(wrong, right)
    return text


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


SURNAMES = {
    "latin": ["Benjelloun", "El Amrani", "Tazi", "Martin", "Alaoui", "Dubois", "Berrada", "Petit", "Chraibi", "Moreau",
              "Bennani", "Lefèvre", "Kettani", "Girard", "Sqalli", "Fassi-Fihri", "Roux", "Ouazzani", "Laurent",
              "Bouzidi", "Garnier", "Lahlou", "Fournier", "Skalli", "Mercier", "Idrissi", "Blanc", "Zniber", "Guerin",
              "Belkadi", "Faure", "Cherkaoui", "Rousseau", "Benkirane", "Collins", "Walker", "García", "López"],
    "ar": ["بنجلون", "العمراني", "التازي", "العلوي", "برادة", "الشرايبي", "الإدريسي", "بنعلي", "البناني", "الكتاني",
           "الصقلي", "الفاسي", "الوزاني", "البوزيدي", "اللحلو", "السقالي", "الزنيبر", "بلقاضي", "الشرقاوي", "بنكيران",
           "المريني", "الحسني", "الجراري", "السباعي", "الودغيري", "التويمي"],
}


class _EventSlots(_Slots):
    """One event's details: numbers and people drawn from wide ranges, not the small pools, so
    two events of one week differ in their details as real ones do (two events with the same
    12 suspects, 4,8 % and Youssef Tazi would be one event told twice)."""

    def __init__(self, rng: random.Random, lang: str, weekday: str) -> None:
        super().__init__(rng, POOLS[lang], weekday)
        self.lang = lang

    def __missing__(self, key: str) -> str:
        rng = self.rng
        if key == "num":
            value = str(rng.randint(13, 987))
        elif key == "pct":
            whole, tenth = rng.randint(1, 14), rng.randint(1, 9)
            value = {"en": f"{whole}.{tenth}%", "ar": f"{whole},{tenth} في المائة"}.get(self.lang, f"{whole},{tenth} %")
        elif key == "person":
            first = rng.choice(self.pools["person"]).split(" ", 1)[0]
            value = f"{first} {rng.choice(SURNAMES['ar' if self.lang == 'ar' else 'latin'])}"
        else:
            return super().__missing__(key)
        self[key] = value
        return value


EVENT_KEYS = ("coop_ma", "coop_fr", "coop_org", "city", "team", "crime", "work", "product", "org")
"""The slots that say which event an article tells: kept in every paragraph of it."""


def event_slots(rng: random.Random, lang: str, weekday: str) -> dict[str, str]:
    """The details of one event (who, where, how many), drawn as they are first used and then
    kept: pass the same mapping to ``make_title`` and ``make_paragraphs`` and the article tells
    one event throughout, as a real one does, instead of a new city and person per paragraph."""
    return _EventSlots(rng, lang, weekday)


def event_key(topic: str, lang: str, slots: dict[str, str]) -> str:
    """Which event a generated article tells, when its details say so ("" = its own event).

    A security-cooperation article opens on "Hammouchi received at {city} a delegation led by
    {coop_fr}": the French official is what tells such a meeting from another (the Moroccan
    side is always the DGSN-DGST head), in any language (the pools are aligned). Two articles
    naming the same official within a week tell one meeting; everything else is its own event."""
    if topic == "coop" and slots.get("coop_fr") in POOLS[lang]["coop_fr"]:
        return f"coop-meeting:{POOLS[lang]['coop_fr'].index(slots['coop_fr'])}"
    return ""


def make_title(rng: random.Random, lang: str, topic: str, weekday: str, slots: dict[str, str] | None = None) -> str:
    slots = slots if slots is not None else _Slots(rng, POOLS[lang], weekday)
    title = _capitalize(rng.choice(TITLES[lang][topic]).format_map(slots))
    return _contract(lang, title)


def make_paragraphs(rng: random.Random, lang: str, topic: str, words: int, weekday: str,
                    slots: dict[str, str] | None = None) -> list[str]:
    """About ``words`` words of 2–5-sentence paragraphs; a topical article mixes in general sentences.
    ``slots`` (``event_slots``): one event's details throughout; else fresh ones per paragraph."""
    sentences = SENTENCES[lang]
    own = sentences[topic]
    other = sentences["societe" if topic in ("coop", "near") else "economie"]
    pools = POOLS[lang]
    paragraphs: list[str] = []
    count = 0
    while count < words:
        if slots is None:
            para_slots: dict[str, str] = _Slots(rng, pools, weekday)
        elif not paragraphs:
            para_slots = slots  # the lede states the event
        else:  # later paragraphs keep who and where, and bring other figures and voices
            para_slots = _EventSlots(rng, lang, weekday)
            para_slots.update({k: v for k, v in slots.items() if k in EVENT_KEYS})
        n = rng.randint(2, 5)
        # the lede stays on topic; later paragraphs mix in general sentences (no sentence twice in a paragraph)
        picked = rng.sample(own, min(n, len(own)))
        if not paragraphs and topic in ("coop", "near") and own[0] not in picked:
            picked[0] = own[0]  # the lede names both countries: the topic is plain from the first sentence
        if paragraphs:
            picked = [s if rng.random() < 0.8 else rng.choice(other) for s in picked]
            picked = list(dict.fromkeys(picked))
        text = " ".join(_capitalize(s.format_map(para_slots)) for s in picked)
        text = _contract(lang, text)
        paragraphs.append(text)
        count += text.count(" ") + 1
    return paragraphs


def word_count(paragraphs: list[str]) -> int:
    return sum(p.count(" ") + 1 for p in paragraphs)
