"""Stories: near-duplicates and retellings of one event group; other events do not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipelines.matching.normalize import WORD_RE
from pipelines.matching.stories import (
    MAX_PER_STORY,
    NO_CONFLICT,
    ONE_SIDED,
    OTHER_PEOPLE,
    Signature,
    StoryIndex,
    person_conflict,
    retelling,
    signature,
    similarities,
)
from pipelines.matching.story_names import ARABIC, LATIN, TABLE, find_persons, name_key

T0 = datetime(2024, 6, 29, 12, tzinfo=UTC)


def similarity(a: Signature, b: Signature) -> float:
    return float(similarities(a, [b])[0])


def find(idx: StoryIndex, sig: Signature, when: datetime, exclude: int | None = None) -> tuple[int, float] | None:
    """The best candidate's (story, score), as the store takes it."""
    found = idx.candidates(sig, when, exclude)
    return (found[0][1], found[0][2]) if found else None

ARTICLE = (
    "Le directeur général de la Sûreté nationale, Abdellatif Hammouchi, a reçu mardi 14 mai 2024 à Rabat "
    "son homologue français Frédéric Veaux. Les deux responsables ont examiné la coopération en matière "
    "de lutte contre le terrorisme et le trafic de drogue, ainsi que la sécurité des Jeux olympiques de Paris. "
    "Une délégation de la DGSI et de la DGSE participait aux réunions, selon un communiqué de la DGSN."
)


def test_signature_round_trips_through_bytes() -> None:
    sig = signature("Titre", ARTICLE, "fr")
    back = Signature.from_bytes(sig.to_bytes())
    assert back.shingles.jaccard(sig.shingles) == 1.0
    assert back.event.jaccard(sig.event) == 1.0
    assert (back.n_event, back.n_shingles) == (sig.n_event, sig.n_shingles)
    with pytest.raises(ValueError, match="bytes"):
        Signature.from_bytes(b"short")


def test_signatures_stored_before_event_features_still_read() -> None:
    """Rows written by the previous version (two MinHashes, no features): still found as
    copies, never as retellings (their event MinHash was of other features)."""
    sig = signature("Titre", ARTICLE, "fr")
    old = sig.to_bytes()[: 8 + 4 * (128 + 256)]
    back = Signature.from_bytes(old)
    assert back.n_event == 0 and len(back.features) == 0
    assert similarity(back, sig) > 1.0  # the same text: a copy
    with pytest.raises(ValueError, match="features"):
        Signature.from_bytes(sig.to_bytes()[:-4])


def test_republication_with_small_edits_is_a_near_duplicate() -> None:
    a = signature("Hammouchi reçoit Veaux", ARTICLE, "fr")
    b = signature("Rabat : Hammouchi reçoit son homologue", ARTICLE.replace("mardi", "ce mardi") + " (MAP)", "fr")
    assert similarity(a, b) > 1.0  # > 1 = near-duplicate


def test_unrelated_articles_do_not_group() -> None:
    other = signature(
        "Bourse de Casablanca", "Le MASI a clôturé en baisse de 0,8 % lundi 13 mai 2024, plombé par Attijariwafa Bank, "
        "BCP, Maroc Telecom et LafargeHolcim, selon les données de la Bourse de Casablanca publiées par CDG Capital.", "fr"
    )
    assert similarity(signature("", ARTICLE, "fr"), other) == 0.0


def test_empty_and_huge_texts() -> None:
    empty = signature("", "", None)
    assert similarity(empty, empty) == 0.0
    stored = Signature.from_bytes(empty.to_bytes())
    assert similarity(stored, stored) == 0.0  # empty pages never form a story together
    huge = signature("", "mot " * 300_000, "fr")
    assert huge.n_shingles >= 1


def test_index_joins_within_the_window_only() -> None:
    idx = StoryIndex(window=timedelta(days=7))
    sig = signature("", ARTICLE, "fr")
    idx.add(1, sig, story_id=10, when=T0)
    again = signature("", ARTICLE + " Fin.", "fr")
    assert find(idx, again, T0 + timedelta(days=2)) == (10, pytest.approx(similarity(again, sig)))
    assert find(idx, again, T0 + timedelta(days=8)) is None
    assert find(idx, again, T0, exclude=1) is None
    assert idx.evict_before(T0 + timedelta(seconds=1)) == 1 and len(idx) == 0


def _seeds(shared_dir: Path) -> dict[str, str]:
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted((shared_dir / "seeds").glob("0*.txt"))}


def _group(texts: dict[str, str]) -> dict[str, int]:
    """Feed articles to an index in order, as process_new_articles does; name -> story."""
    idx = StoryIndex()
    stories: dict[str, int] = {}
    for key, (name, text) in enumerate(texts.items()):
        sig = signature("", text, "fr")
        found = find(idx, sig, T0)
        stories[name] = found[0] if found else 100 + key
        idx.add(key, sig, stories[name], T0)
    return stories


def test_seeds_form_two_stories(shared_dir: Path) -> None:
    """Decision: the June 2024 visit / Olympics security (000 visit + police sent to Paris,
    002 visit 26-28 June 2024, 004 the December 2023 meetings that set up the Olympics
    agreement) is one story; the June 2025 action plan signed in Rabat (003) is another, though
    it names the same people: the dates and the French counterparts differ. Dates in the
    real pipeline are the publication dates, all taken here as one day (worst case)."""
    seeds = _seeds(shared_dir)
    stories = _group({k: seeds[k] for k in ("000", "002", "004", "003")})
    assert stories["000"] == stories["002"] == stories["004"]
    assert stories["003"] != stories["000"]


def test_seed_001_joins_once_its_ticker_noise_is_gone(shared_dir: Path) -> None:
    """Seed 001, republished by an aggregator, retells the December 2023 Hammouchi–Veaux
    agreement on Olympics security (seed 004): its article body joins that story; the raw
    page, 48 unrelated headlines around it, is too diluted to join. (Against the June 2024
    visit, 000, it stays apart now that stories are events: it names other dates.)"""
    seeds = _seeds(shared_dir)
    body = seeds["001"].split("Merci d'avoir signalé!", 1)[1]
    stories = _group({"004": seeds["004"], "001": body})
    assert stories["001"] == stories["004"]
    raw = _group({"004": seeds["004"], "001raw": seeds["001"]})
    assert raw["001raw"] != raw["004"]


def test_batch_similarities_equal_one_by_one() -> None:
    """The index scores its candidates in a few numpy passes; it must agree with ``retelling``
    and the near-duplicate estimate one pair at a time."""
    import random

    from localweb.lexicon import make_paragraphs, make_title

    rng = random.Random(3)
    sigs = [signature("", "", None), signature("Hammouchi reçoit Veaux", ARTICLE, "fr")]
    for _ in range(80):
        lang, topic = rng.choice(["fr", "ar", "en", "es"]), rng.choice(["coop", "near", "sport", "economie"])
        sigs.append(signature(make_title(rng, lang, topic, "lundi"), "\n".join(make_paragraphs(rng, lang, topic, 300, "lundi")), lang))
    kinds = set()
    for a in sigs[:30]:
        batch = similarities(a, sigs)
        one_by_one = [1.0 + dup if (dup := a.shingles.jaccard(b.shingles)) >= 0.5 and a.n_shingles and b.n_shingles
                      and person_conflict(a, b) != OTHER_PEOPLE else retelling(a, b) for b in sigs]
        assert list(batch) == pytest.approx(one_by_one, abs=1e-12)
        kinds |= {("dup" if s > 1 else "event" if s > 0 else "none") for s in one_by_one}
    assert kinds == {"dup", "event", "none"}  # every branch was compared
    assert len(similarities(sigs[0], [])) == 0


def test_a_big_story_keeps_its_core_and_only_its_latest_articles_indexed() -> None:
    """A running story's LSH entries are capped (its core plus its latest copies), so lookups
    stay cheap; it still attracts new articles, and other stories keep theirs."""
    idx = StoryIndex()
    other = signature("Bourse", "Le MASI a clôturé en baisse de 0,8 % lundi 13 mai 2024, plombé par Attijariwafa "
                      "Bank, Maroc Telecom et LafargeHolcim Maroc, selon la Bourse de Casablanca.", "fr")
    idx.add(9999, other, 2, T0)
    for key in range(MAX_PER_STORY + 10):
        text = ARTICLE + f" Mise à jour numéro {key} de la rédaction."
        idx.add(key, signature("Hammouchi reçoit Veaux", text, "fr"), 1, T0)
    assert idx.core_of(1) == [0]  # the updates are copies of the first article: not core
    assert len(idx) == 1 + MAX_PER_STORY + 1
    assert 0 in idx and 9 not in idx and 10 in idx and MAX_PER_STORY + 9 in idx  # the oldest copies went first
    assert 9999 in idx
    late = signature("Hammouchi et Veaux à Rabat", ARTICLE + " (MAP)", "fr")
    assert find(idx, late, T0)[0] == 1
    idx.remove(MAX_PER_STORY + 9)
    assert len(idx) == MAX_PER_STORY + 1


# ---------------------------------------------------------------- people: one event names the same people

def _people(title: str, text: str, lede: int = 40) -> dict[str, tuple[int, bool]]:
    t, x = WORD_RE.findall(title), WORD_RE.findall(text)
    return {k: (how, principal) for k, (how, principal, _) in find_persons(t + x, len(t), len(t) + lede).items()}


def test_people_are_found_by_table_given_name_honorific_and_second_mention() -> None:
    found = _people("Benjelloun nommé", "Le ministre a reçu Karim El Amrani et Frédéric Veaux à Rabat. " + "mot " * 50
                    + "M. Dupont a salué la rencontre. Plus tard, Benjelloun, alias Youssef Benjelloun, a parlé.")
    assert found["@veaux"] == (TABLE, True)
    assert found["l:" + name_key("Amrani")] == (LATIN, True)  # "El" is a particle, "Amrani" the name
    assert found["l:" + name_key("Dupont")] == (LATIN, False)  # after the lede
    assert found["l:" + name_key("Benjelloun")] == (LATIN, True)  # the surname alone in the title
    ar = _people("", "استقبل عبد اللطيف حموشي ويوسف بنجلون، بحضور السيد دوبون، مسؤولين فرنسيين.")
    assert ar["@hammouchi"] == (TABLE, True) and ar["a:" + name_key("بنجلون")] == (ARABIC, True)
    assert ar["a:" + name_key("دوبون")] == (ARABIC, True)


@pytest.mark.parametrize("title,text", [
    ("Morocco, France Mark New Era In Security Ties", "The talks went well, officials said."),  # an English title
    ("", "La réunion s'est tenue rue Jean Jaurès, près du stade Mohammed V et de l'aéroport Charles de Gaulle."),
    ("", "وأكد المسؤولون على حسن الجوار وعلى أن التعاون الأمني يعرف الآن دينامية جديدة."),  # "على", "حسن", "الآن"
    ("", "Claire et nette, la position de Rabat n'a pas changé. Victor a-t-il raison ?"),
])
def test_words_that_only_look_like_names_are_no_people(title: str, text: str) -> None:
    assert _people(title, text) == {}


def test_transliterations_of_one_surname_share_a_key() -> None:
    assert name_key("Benjelloun") == name_key("Benjeloun")
    assert name_key("Chraïbi") == name_key("Chraybi")
    assert name_key("العمراني") == name_key("عمراني")
    assert name_key("Benjelloun") != name_key("Berrada")


MEETING = ("Le directeur général de la DGSN et de la DGST, Abdellatif Hammouchi, a reçu mardi à Rabat {who}, "
           "à la tête d'une délégation de la Police nationale française. Les entretiens ont porté sur la lutte "
           "contre le terrorisme, le trafic de drogue et l'échange de renseignements, selon un communiqué de la DGSN. "
           "Les deux parties ont convenu de renforcer la coordination opérationnelle entre Rabat et Paris.")


def test_one_official_meeting_two_counterparts_is_two_events() -> None:
    """The same template, the same Moroccan official, city and services; other French officials:
    two meetings, neither copies nor retellings of each other."""
    a = signature("Hammouchi reçoit Veaux", MEETING.format(who="Frédéric Veaux"), "fr")
    b = signature("Hammouchi reçoit Laugier", MEETING.format(who="Louis Laugier"), "fr")
    assert person_conflict(a, b) == OTHER_PEOPLE
    assert similarity(a, b) == 0.0
    # two counterparts the table does not know, same script: the same
    c = signature("", MEETING.format(who="Jean-Marc Dufresne"), "fr")
    d = signature("", MEETING.format(who="Sylvie Castagnac"), "fr")
    assert person_conflict(c, d) == OTHER_PEOPLE and similarity(c, d) == 0.0
    # and one account quoting a third person further down stays the same meeting
    e = signature("", MEETING.format(who="Frédéric Veaux") + " " + "Il a été question de formation. " * 12
                  + "Nicolas Lerner, patron de la DGSI, a salué la rencontre.", "fr")
    assert person_conflict(a, e) == NO_CONFLICT and similarity(a, e) > 1.0


def test_one_meeting_told_in_arabic_and_french_joins_whatever_names_only_one_script_has() -> None:
    fr = signature("Hammouchi reçoit Jean-Marc Dufresne", "Le directeur général de la DGSN, Abdellatif Hammouchi, a reçu "
                   "mardi 14 mai à Rabat Jean-Marc Dufresne, directeur de la coopération internationale de la Police "
                   "nationale française, et Frédéric Veaux. Les entretiens ont porté sur la sécurité des Jeux olympiques "
                   "de Paris et sur 1.200 policiers.", "fr")
    ar = signature("حموشي يستقبل مسؤولين فرنسيين", "استقبل عبد اللطيف حموشي، يوم الثلاثاء 14 ماي بالرباط، جان مارك دوفريسن "
                   "وفريديريك فو، وتناولت المباحثات أمن الألعاب الأولمبية بباريس و1200 شرطي.", "ar")
    # "Dufresne" in Latin letters and "دوفريسن" in Arabic ones are never compared: no conflict
    assert person_conflict(fr, ar) == NO_CONFLICT
    assert retelling(fr, ar) > 0


def test_the_official_who_meets_everyone_is_no_evidence_the_counterpart_is() -> None:
    """"Hammouchi met Veaux" against "Hammouchi met the head of the French police": they share
    only Hammouchi, who met other French officials this week: not one event by him alone.
    "Hammouchi met Veaux" against "the DGSN chief met Veaux": they share Veaux, named beside
    Hammouchi only: one event. Sharing a date joins the first pair too."""
    idx = StoryIndex()
    for n, who in enumerate(("Louis Laugier", "Nicolas Lerner")):  # earlier meetings of the week
        idx.add(100 + n, signature("", f"Abdellatif Hammouchi a reçu {who} à Tanger le {3 + n} mars pour évoquer "
                                   f"{40 + n} dossiers de coopération avec la DGSN.", "fr"), 100 + n, T0)
    named = signature("", MEETING.format(who="Frédéric Veaux"), "fr")
    idx.add(1, named, 1, T0)
    unnamed = signature("", "Abdellatif Hammouchi s'est entretenu à Rabat avec le directeur général de la Police "
                        "nationale française, venu avec une délégation. Au menu : terrorisme, trafic de drogue et "
                        "renseignement, d'après la DGSN ; la coordination entre Rabat et Paris sera renforcée.", "fr")
    assert person_conflict(named, unnamed) == ONE_SIDED
    (hammouchi,) = named.person_keys & unnamed.person_keys
    (veaux,) = named.person_keys - unnamed.person_keys
    assert (idx.partners(hammouchi), idx.partners(veaux)) == (3, 1)  # Laugier, Lerner, Veaux; Hammouchi
    assert not any(c[1] == 1 for c in idx.candidates(unnamed, T0))
    assert retelling(named, unnamed) > 0  # two articles alone: the shared person counts
    counterpart = signature("", "Le patron de la DGSN s'est entretenu à Rabat avec Frédéric Veaux, venu avec une "
                            "délégation de la Police nationale française. Au menu : terrorisme, trafic de drogue et "
                            "renseignement, d'après la DGSN ; la coordination entre Rabat et Paris sera renforcée.", "fr")
    assert person_conflict(named, counterpart) == ONE_SIDED
    assert any(c[1] == 1 for c in idx.candidates(counterpart, T0))
    # the same two accounts, both dated: one meeting
    idx.add(2, signature("", MEETING.format(who="Frédéric Veaux").replace("mardi", "mardi 14 mai"), "fr"), 2, T0)
    dated = signature("", "Abdellatif Hammouchi s'est entretenu le 14 mai à Rabat avec le directeur général de la "
                      "Police nationale française, venu avec une délégation. Au menu : terrorisme, trafic de drogue "
                      "et renseignement, d'après la DGSN.", "fr")
    assert any(c[1] == 2 for c in idx.candidates(dated, T0))
    idx.remove(100)
    assert idx.partners(hammouchi) == 2  # Laugier's meeting left the index


def test_stored_signatures_keep_their_people_and_old_ones_never_conflict() -> None:
    a = signature("Hammouchi reçoit Veaux", MEETING.format(who="Frédéric Veaux"), "fr")
    b = signature("Hammouchi reçoit Laugier", MEETING.format(who="Louis Laugier"), "fr")
    back = Signature.from_bytes(a.to_bytes())
    assert back.script == LATIN and list(back.persons) == list(a.persons) and list(back.person_parts) == list(a.person_parts)
    assert person_conflict(back, b) == OTHER_PEOPLE
    n_feat = len(a.features)
    without_people = a.to_bytes()[: 8 + 4 * (128 + 256) + 4 + 4 * n_feat]  # written before people were
    old = Signature.from_bytes(without_people)
    assert old.script == 0 and person_conflict(old, b) == NO_CONFLICT
    with pytest.raises(ValueError, match="person"):
        Signature.from_bytes(a.to_bytes()[:-4])


def _reference_minhashes(title: str, text: str, lang: str) -> tuple[int, object, object]:
    """The shingle and event MinHashes computed the plain way: every word of the text by
    ``WORD_RE``, normalised one by one, hashed by datasketch itself (``update_batch``)."""
    from datasketch import MinHash

    from pipelines.matching.normalize import normalizer_for
    from pipelines.matching.stories import (
        EVENT_PERM,
        MAX_FEATURES,
        MAX_TOKENS,
        SCHEME,
        SHINGLE_PERM,
        SHINGLE_SIZE,
        event_feature_list,
    )

    norm = normalizer_for(lang)
    title_words, text_words = WORD_RE.findall(title), WORD_RE.findall(text[: MAX_TOKENS * 12])
    tokens = [t for t in map(norm, (title_words + text_words)[:MAX_TOKENS]) if t]
    shingles = {" ".join(tokens[i : i + SHINGLE_SIZE]) for i in range(max(0, len(tokens) - SHINGLE_SIZE + 1))}
    if not shingles and tokens:
        shingles = {" ".join(tokens)}
    sh, ev = MinHash(SHINGLE_PERM, scheme=SCHEME), MinHash(EVENT_PERM, scheme=SCHEME)
    sh.update_batch([s.encode("utf-8") for s in shingles])
    ev.update_batch([f.encode("utf-8") for f in event_feature_list(title, text, (title_words, text_words))[:MAX_FEATURES]])
    return len(shingles), sh.hashvalues, ev.hashvalues


def test_signature_minhashes_equal_the_word_by_word_reference() -> None:
    """``signature`` takes words from cached whitespace chunks, tokens from the normaliser's
    chunk fragments and hashes in C loops: stored signatures must not change for it, in any
    language, with punctuation glued to words, or when the MAX_TOKENS cut falls inside a chunk."""
    import random

    from localweb.lexicon import make_paragraphs, make_title
    from pipelines.matching.stories import MAX_TOKENS

    rng = random.Random(17)
    cases = [("", "", "fr"), ("Titre", "", "fr"), ("", "un deux", "fr"), ("Hammouchi reçoit Veaux", ARTICLE, "fr"),
             ("(DGSN-DGST), l'État", "« Selon la DGSN » : l'Intérieur—d'après M. Dupont…\u00a0ﷺ ـــ e\u0301te\u0301 a_b 1.200,5", "fr"),
             ("استقبل", "وبالرباط، استقبل عبدُ اللطيف حموشي يومَ 14 ماي ٢٠٢٤ (و.م.ع) بباريس", "ar"),
             ("", "x.y.z " * (MAX_TOKENS // 3) + "fin", "fr"),  # the cut inside a chunk of three words
             ("w " * (MAX_TOKENS + 5), "texte coupé", "en"),  # a title over the cut
             ("", "mot " * (MAX_TOKENS - 2) + "l'avis d'un-deux trois", "fr")]
    for _ in range(40):
        lang, topic = rng.choice(["fr", "ar", "en", "es"]), rng.choice(["coop", "near", "sport", "economie"])
        words = rng.choice([20, 300, 2000])
        cases.append((make_title(rng, lang, topic, "lundi"), "\n".join(make_paragraphs(rng, lang, topic, words, "lundi")), lang))
    for title, text, lang in cases:
        sig = signature(title, text, lang)
        n_shingles, shingles, event = _reference_minhashes(title, text, lang)
        assert sig.n_shingles == n_shingles, (title[:40], text[:40])
        assert sig.shingles.hashvalues.tolist() == shingles.tolist(), (title[:40], text[:40])
        assert sig.event.hashvalues.tolist() == event.tolist(), (title[:40], text[:40])
        assert sig.shingles.hashfunc.__name__ == "sha1_hash32"  # as datasketch builds it


def test_words_of_chunks_are_the_texts_words() -> None:
    """A word never holds whitespace, so a text's words are its whitespace chunks' words."""
    from pipelines.matching.stories import words_of

    texts = ["", "  ", "Le 14 mai,\u00a0à Rabat\u2009: l'État\u3000(DGSN-DGST).", "a_b __ x\u0301 \u0301y ـــ ﷺ",
             "حموشي\u200bيستقبل وَفْدًا\tفي\nالرباط", ARTICLE]
    for text in texts:
        assert words_of(text.split()) == WORD_RE.findall(text)
