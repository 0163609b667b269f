"""Text normalisation for matching: one token stream, the same for rule patterns and articles.

Why a token stream: the automaton scans ``" tok tok tok "`` so a pattern matches whole words
only, a hit maps back to token indices (proximity "within N words") and token indices map
back to character offsets in the *original* text (highlighting), whatever folding did.

Per token:
- Latin: NFKD, combining marks dropped, casefolded (œ -> oe); French elisions (l', d', qu', …)
  and the English possessive 's are dropped as tokens; then the Snowball stemmer of the
  article's language (fr/en/es) folds plurals and inflections. Folding happens *before*
  stemming so an unaccented "SECURITE" meets "sécurité".
- Arabic script: diacritics and tatweel removed, letter variants folded (أ إ آ ٱ -> ا, ى -> ي,
  ة -> ه), then light stemming after Larkey's light10 (article/clitic prefixes و ف ب ل ك + ال,
  number/gender suffixes). Snowball's Arabic stemmer is not used: it strips the leading ف
  of فرنسا (France) as if it were a conjunction.
Results are cached per language (news vocabulary is Zipfian), which is what keeps this fast;
snowballstemmer uses PyStemmer's C implementation when it is installed (about 30x faster on
the cache misses of a fresh vocabulary). The hot path is three C passes: ``str.split``, one
dict lookup per whitespace chunk (chunk -> its tokens as ``" tok tok"``), ``"".join``; what
only some articles need (character offsets, original words, sentences, headline lists) is
computed on first use and memoised on the ``TokenStream``. A token never holds a space (a
ligature such as U+FDFA folds to several words: they are run together), so token indices
are counts of spaces in ``joined``.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from itertools import accumulate, chain, repeat
from operator import add

import snowballstemmer

from common.languages import LANGUAGES

_SNOWBALL = {"fr": "french", "en": "english", "es": "spanish"}

# A word: letters/digits plus the combining marks that sit inside words (Latin accents in
# decomposed text, Arabic harakat); tatweel (U+0640) is a letter modifier and already \w.
WORD_RE = re.compile(r"(?:[^\W_]|[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed])+")
_SPACE_RE = re.compile(r"\s+")  # what str.split() splits on (both use str.isspace)
_SENTENCE_END = frozenset(".!?؟…")
_SENTENCE_END_STRICT = frozenset(".;:,؛،")  # a headline may end with ? or !, rarely with these
_CLOSERS = "\"'»”’)]}"
_LINE_RE = re.compile(r"[^\n]+")
_BIG_GAP_RE = re.compile(r"[^\S\n]{3,}")
_SENTENCE_RE = re.compile(r"[^.!?؟]+(?:[.!?؟]+|$)")
_ARABIC_RE = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")

# Elided French articles/pronouns and the English possessive: meaningless once split off.
ELISIONS = frozenset({"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"})

_AR_DIACRITICS = dict.fromkeys(list(range(0x064B, 0x0660)) + [0x0670, 0x0640], None)
_AR_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_AR_PREFIXES = ("وال", "فال", "بال", "كال", "لل", "ال")
_AR_PROCLITICS = frozenset("وفبلك")
_AR_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")
_LATIN_EXTRA = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})


def detect_script_arabic(token: str) -> bool:
    return _ARABIC_RE.search(token) is not None


def fold_latin(token: str) -> str:
    if token.isascii():
        return token.lower()
    decomposed = unicodedata.normalize("NFKD", token.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_LATIN_EXTRA)


def fold_arabic(token: str) -> str:
    return unicodedata.normalize("NFKC", token).translate(_AR_DIACRITICS).translate(_AR_LETTERS)


def stem_arabic(word: str) -> str:
    """Light stemming (light10): strip one article/clitic prefix, then number/gender suffixes."""
    for prefix in _AR_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            word = word[len(prefix) :]
            break
    else:
        if word.startswith("و") and len(word) >= 4:
            word = word[1:]
    for suffix in _AR_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
    return word


class TokenNormalizer:
    """Raw token -> normalised token for one language ('' = token dropped); cached."""

    MAX_CACHE = 400_000

    def __init__(self, language: str, lexicon: frozenset[str] = frozenset()) -> None:
        self.language = language
        self.lexicon = lexicon  # normalised Arabic tokens the rules use (for bare proclitics)
        name = _SNOWBALL.get(language)
        self._stemmer = snowballstemmer.stemmer(name) if name else None
        self._cache: dict[str, str] = {}
        self._stems: dict[str, str] = {}
        self._chunks: dict[str, tuple[str, ...]] = {}
        self.fragments = _Fragments(self)
        self.words = _Words(self)

    def __call__(self, token: str) -> str:
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        result = self._normalize(token)
        if not result.isalnum() and result:  # a ligature such as U+FDFA folds to several words:
            result = "".join(result.split())  # a token never holds a space (``joined`` counts them)
        if len(self._cache) >= self.MAX_CACHE:
            self._cache.clear()
            self._stems.clear()
        self._cache[token] = result
        return result

    def chunk_tokens(self, chunk: str) -> tuple[str, ...]:
        """Normalised words of one whitespace-separated chunk ("(DGSN-DGST)," -> dgsn, dgst)."""
        words = (chunk,) if chunk.isalpha() else WORD_RE.findall(chunk)  # most chunks are one word
        return tuple(n for n in map(self, words) if n)

    def chunk(self, chunk: str) -> tuple[str, ...]:
        """``chunk_tokens``, remembered (for ``parts``)."""
        result = self.chunk_tokens(chunk)
        if len(self._chunks) >= self.MAX_CACHE:
            self._chunks.clear()
        self._chunks[chunk] = result
        return result

    def parts(self, text: str) -> tuple[list[str], list[tuple[str, ...]]]:
        """Whitespace chunks of ``text`` and their normalised words: the hot path."""
        chunks = text.split()
        parts = list(map(self._chunks.get, chunks))
        if None in parts:
            chunk = self.chunk
            parts = [p if p is not None else chunk(c) for p, c in zip(parts, chunks, strict=True)]
        return chunks, parts  # type: ignore[return-value]

    def tokens(self, text: str) -> list[str]:
        return list(chain.from_iterable(self.parts(text)[1]))

    def _normalize(self, token: str) -> str:
        if not token.isascii() and detect_script_arabic(token):
            folded = fold_arabic(token)
            folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
            if not folded:
                return ""
            stem = stem_arabic(folded)
            if self.lexicon and stem not in self.lexicon:
                rest = folded
                for _ in range(2):  # وب / فل … : at most two bare proclitics
                    if len(rest) < 4 or rest[0] not in _AR_PROCLITICS:
                        break
                    rest = rest[1:]
                    alt = stem_arabic(rest)
                    if alt in self.lexicon:
                        return alt
            return stem
        folded = fold_latin(token)
        if folded in ELISIONS or not folded:
            return ""
        if self._stemmer is None or folded.isdigit():
            return folded
        stemmed = self._stems.get(folded)  # "Police", "POLICE", "police": one stemming
        if stemmed is None:
            stemmed = self._stems[folded] = str(self._stemmer.stemWord(folded))
        return stemmed


_NORMALIZERS: dict[str, TokenNormalizer] = {}


def normalizer_for(language: str) -> TokenNormalizer:
    norm = _NORMALIZERS.get(language)
    if norm is None:
        norm = _NORMALIZERS[language] = TokenNormalizer(language)
    return norm


class _Fragments(dict[str, str]):
    """Whitespace chunk -> its normalised words as ``" w1 w2"`` (``""`` when every word is
    dropped): ``"".join`` of them is the automaton's text, in one C pass. A miss normalises
    the chunk (``__missing__``), so the hot path is ``map(fragments.__getitem__, chunks)``."""

    __slots__ = ("norm",)

    def __init__(self, norm: TokenNormalizer) -> None:
        super().__init__()
        self.norm = norm

    def __missing__(self, chunk: str) -> str:
        words = self.norm.chunk_tokens(chunk)
        frag = " " + " ".join(words) if words else ""
        if len(self) >= TokenNormalizer.MAX_CACHE:
            self.clear()
        self[chunk] = frag
        return frag


class _Words(dict[str, tuple[str, ...]]):
    """Whitespace chunk -> its original words that make tokens (the same words ``chunk`` keeps)."""

    __slots__ = ("norm",)

    def __init__(self, norm: TokenNormalizer) -> None:
        super().__init__()
        self.norm = norm

    def __missing__(self, chunk: str) -> tuple[str, ...]:
        norm = self.norm
        if chunk.isalpha() and norm(chunk):  # most chunks are one word ("ـــ" is alpha and no token)
            words: tuple[str, ...] = (chunk,)
        else:
            words = tuple(w for w in WORD_RE.findall(chunk) if norm(w))
        if len(self) >= TokenNormalizer.MAX_CACHE:
            self.clear()
        self[chunk] = words
        return words


class TokenStream:
    """Normalised tokens of one text; ``joined`` is what the automaton scans.

    ``joined`` is ``" " + " ".join(tokens) + " "`` (a token never holds a space), so the
    token index of an offset in it is a count of spaces. Everything else (the token list,
    character offsets of tokens, sentences, headline lists) is computed on first use: most
    articles never need it.
    """

    __slots__ = (
        "text", "joined", "norm", "chunks", "frags", "_tokens", "_cursor", "_chunk_ends", "_chunk_starts",
        "_chunk_words", "_gaps", "_units", "_spans", "_ranges", "_blocks", "memo", "_ntokens",
    )

    def __init__(self, text: str, joined: str, norm: TokenNormalizer, chunks: list[str], frags: list[str]) -> None:
        self.text = text
        self.joined = joined
        self.norm = norm
        self.chunks = chunks  # whitespace-separated chunks of the text
        self.frags = frags  # their fragments (see ``_Fragments``)
        self._tokens: list[str] | None = None
        self._ntokens = -1
        self._cursor = (0, -1)  # (position in joined, token index there)
        self._chunk_ends: list[int] | None = None  # tokens up to each chunk
        self._chunk_starts: list[int] = []  # offsets of chunks in text
        self._chunk_words: dict[int, list[tuple[int, int]]] = {}
        self._gaps: list[str] = []  # whitespace after each chunk
        self._units: dict[str, list[int]] = {}
        self._spans: dict[int, tuple[int, int]] = {}
        self._ranges: dict[tuple[int, str], tuple[int, int]] = {}
        self._blocks: list[tuple[int, int]] | None = None
        self.memo: dict[tuple[object, ...], bool] = {}  # the matcher's per-text checks (case, exact words)

    @property
    def tokens(self) -> list[str]:
        if self._tokens is None:
            self._tokens = self.joined.split()
        return self._tokens

    @property
    def ntokens(self) -> int:
        if self._ntokens < 0:
            self._ntokens = self.joined.count(" ") - 1 if len(self.joined) > 1 else 0
        return self._ntokens

    def token_index_at(self, joined_pos: int) -> int:
        """Index of the token starting at ``joined_pos`` of ``joined``.

        Counted from the last answer: hits come roughly in order, so a whole scan costs one
        pass over ``joined`` in C (``str.count``) instead of a table of token offsets.
        """
        pos, idx = self._cursor
        if joined_pos >= pos:
            idx += self.joined.count(" ", pos, joined_pos)
        else:
            idx -= self.joined.count(" ", joined_pos, pos)
        self._cursor = (joined_pos, idx)
        return idx

    def _ends(self) -> list[int]:
        """Tokens up to and including each chunk (cumulative counts, in C)."""
        if self._chunk_ends is None:
            self._chunk_ends = list(accumulate(map(str.count, self.frags, repeat(" "))))
        return self._chunk_ends

    def word(self, index: int) -> str:
        """The original word of token ``index`` (without needing character offsets)."""
        ends = self._chunk_ends or self._ends()
        c = bisect_right(ends, index)
        return self.norm.words[self.chunks[c]][index - (ends[c - 1] if c else 0)]

    def span(self, index: int) -> tuple[int, int]:
        """Character offsets of token ``index`` in the original text.

        Token -> whitespace chunk (cumulative token counts) -> the chunk's offset (cumulative
        lengths of chunks and whitespace runs: built once, in C) -> the word in the chunk.
        """
        found = self._spans.get(index)
        if found is not None:
            return found
        if not self._chunk_starts:
            self._layout()
        c = bisect_right(self._chunk_ends, index)  # type: ignore[arg-type]
        kept = self._chunk_words.get(c)
        if kept is None:
            offset, chunk = self._chunk_starts[c], self.chunks[c]
            if chunk.isalpha():
                kept = [(offset, offset + len(chunk))]
            else:
                norm = self.norm
                kept = [m.span() for m in WORD_RE.finditer(self.text, offset, offset + len(chunk)) if norm(m.group())]
            self._chunk_words[c] = kept
        found = self._spans[index] = kept[index - (self._chunk_ends[c - 1] if c else 0)]  # type: ignore[index]
        return found

    def _layout(self) -> None:
        self._ends()
        runs = _SPACE_RE.findall(self.text)
        lead = len(runs[0]) if runs and self.text[:1].isspace() else 0
        self._gaps = runs[1:] if lead else runs
        steps = map(add, map(len, self.chunks), map(len, self._gaps))
        self._chunk_starts = list(accumulate(steps, initial=lead))

    def unit_range(self, index: int, kind: str) -> tuple[int, int]:
        """First and last token of the sentence or paragraph holding token ``index``.

        A paragraph ends at a line break; a sentence also at a word ending in . ! ? ؟ …
        (closing quotes and brackets aside). Built once per text, only when a rule asks.
        """
        found = self._ranges.get((index, kind))
        if found is not None:
            return found
        starts = self._units.get(kind)
        if starts is None:
            if not self._chunk_starts:
                self._layout()
            ends, gaps, chunks = self._chunk_ends, self._gaps, self.chunks
            starts = [0]
            for c in range(len(chunks) - 1):
                brk = c < len(gaps) and "\n" in gaps[c]
                if not brk and kind == "sentence":
                    brk = chunks[c].rstrip(_CLOSERS)[-1:] in _SENTENCE_END
                if brk:
                    starts.append(ends[c])  # type: ignore[index]
            self._units[kind] = starts
        k = bisect_right(starts, index) - 1
        nxt = bisect_right(starts, starts[k])
        last = starts[nxt] - 1 if nxt < len(starts) else self.ntokens - 1
        found = self._ranges[(index, kind)] = (starts[k], max(last, starts[k]))
        return found

    def token_at_char(self, offset: int) -> int:
        """Index of the first token at or after character ``offset`` of the text."""
        if not self._chunk_starts:
            self._layout()
        c = bisect_right(self._chunk_starts, offset) - 1
        if c < 0:
            return 0
        if self._chunk_starts[c] + len(self.chunks[c]) <= offset:
            c += 1  # offset is in the whitespace after chunk c
        return self._chunk_ends[c - 1] if c else 0  # type: ignore[index]

    def _segments(self) -> list[tuple[int, int]]:
        """(start, end) of the lines of the text, each cut at runs of 3+ spaces (a ticker's separators)."""
        out: list[tuple[int, int]] = []
        text = self.text
        for line in _LINE_RE.finditer(text):
            pos = line.start()
            for gap in _BIG_GAP_RE.finditer(text, line.start(), line.end()):
                out.append((pos, gap.start()))
                pos = gap.end()
            out.append((pos, line.end()))
        return out

    def headline_blocks(self, min_lines: int = 5, min_sentences: int = 8) -> list[tuple[int, int]]:
        """Token ranges of headline lists and tickers: ``min_lines`` or more consecutive short
        lines (or segments split by runs of 3+ spaces) that do not end like a sentence, or
        ``min_sentences`` or more consecutive very short sentences ("MASI up 0.6%. Rain in
        the north. Wydad beat Raja. ..."). Their words belong to other articles, not this one."""
        if self._blocks is not None and (min_lines, min_sentences) == (5, 8):
            return self._blocks
        blocks: list[tuple[int, int]] = []
        run: list[tuple[int, int, bool]] = []  # (start, end, is a line)

        def close() -> None:
            lines = sum(1 for *_, is_line in run if is_line)
            if len(run) >= min_sentences or lines >= min_lines:
                first, last = self.token_at_char(run[0][0]), self.token_at_char(run[-1][1]) - 1
                if last >= first:
                    blocks.append((first, last))
            run.clear()

        for start, end in self._segments():
            seg = self.text[start:end].strip()
            if not seg:
                continue
            if seg.rstrip(_CLOSERS)[-1:] not in _SENTENCE_END_STRICT:
                if 2 <= len(seg.split()) <= 16:
                    run.append((start, end, True))
                else:
                    close()
                continue
            for s in _SENTENCE_RE.finditer(self.text, start, end):
                if 3 <= len(s.group().split()) <= 10:
                    run.append((s.start(), s.end(), False))
                else:
                    close()
        close()
        if (min_lines, min_sentences) == (5, 8):
            self._blocks = blocks
        return blocks

    def original_tokens(self) -> list[str]:
        return [self.text[s:e] for s, e in (self.span(i) for i in range(self.ntokens))]


def tokenize(text: str, language: str, norm: TokenNormalizer | None = None) -> TokenStream:
    """Normalise ``text`` for ``language`` (fr/en/es/ar; anything else: folding, no stemming)."""
    norm = norm or normalizer_for(language)
    chunks = text.split()
    frags = list(map(norm.fragments.__getitem__, chunks))
    return TokenStream(text, "".join(frags) + " ", norm, chunks, frags)


def normalize_phrase(phrase: str, language: str, norm: TokenNormalizer | None = None) -> str:
    """A rule pattern in the form the automaton looks for: ``" tok tok "`` ('' if empty)."""
    tokens = tokenize(phrase, language, norm).tokens
    return " " + " ".join(tokens) + " " if tokens else ""


_STOPWORDS = {
    "fr": frozenset("le la les des du une et est dans pour sur avec au aux qui par ont été".split()),
    "en": frozenset("the and of to in is for on with that was by from has have were".split()),
    "es": frozenset("el los las del y en por con para una que se su al fue".split()),
}


def guess_language(text: str) -> str:
    """Cheap fallback when the article carries no language: script first, then stopwords."""
    sample = text[:4000]
    arabic = len(_ARABIC_RE.findall(sample))
    letters = sum(1 for ch in sample if ch.isalpha()) or 1
    if arabic / letters > 0.3:
        return "ar"
    words = WORD_RE.findall(sample.lower())
    scores = {lang: sum(1 for w in words if w in stops) for lang, stops in _STOPWORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] > 0 else "fr"


def resolve_language(language: str | None, text: str) -> str:
    lang = (language or "").strip().lower()[:2]
    return lang if lang in LANGUAGES else guess_language(text)
