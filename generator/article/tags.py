"""Tags (docs/design.md §4), the per-article step: candidate terms and their weights. Pure functions.

Two steps:
- `extract_candidates(title, text, lang, config)` → the article's candidate terms with counts
  and weights. It depends on the article alone, so it is cached and run in parallel with the
  rest of the per-article work.
- `generator.archive.tagging.assign_tags(candidates of every article, their outlets, config)` → each
  article's tags, scored TF-IDF against the archive (a module of its own, so that changing how
  tags are scored does not invalidate the cache of per-article work).

Chinese is folded to Simplified (OpenCC) and segmented with part-of-speech tags (rjieba);
candidates are proper nouns and configured terms. English candidates are runs of
capitalised words ("Kim Jong Un"), without titles and stop words.
"""

from __future__ import annotations

import re
import types
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from generator.article.entities import KIND_LETTERS, entities, entity_of, lowercase_english, lowercase_forms
from generator.article.folding import clean_name, fold, term_key
from generator.article.zh_names import (
    NAME_KINDS,
    SEPARATORS,
    TRANSLIT,
    is_name,
    is_piece,
    name_kind,
    place_without_suffix,
)
from generator.config import TagsConfig

if TYPE_CHECKING:
    import rjieba
from generator.models import TagCandidates

DATA = Path(__file__).resolve().parent / "data"
# (term, occurrences, weight): weight adds TITLE_WEIGHT per title mention, 10..20 per body
# mention and up to FIRST_WEIGHT for the first one, more the nearer the start: news puts
# what matters first, so where a name first appears says much about its weight.
Candidate = tuple[str, int, int]
TITLE_WEIGHT = 30
FIRST_WEIGHT = 30
MIN_OCCURRENCES = 2  # a term mentioned once is not what the article is about
# rjieba part-of-speech tags of proper nouns: people, places, organisations, other names.
PROPER = frozenset({"nr", "nrt", "nrfg", "ns", "nt", "nz"})
# Characters that glue a preposition or particle onto a name in the dictionary ("和普京").
_GLUE_BEFORE = frozenset("和与及同跟向对在于从把被将给让为据由比")
_GLUE_AFTER = frozenset("的了于在说称等和与")
# Words in an English name run that a title precedes; the name is what follows the title.
_EN_TITLES = frozenset([
    "mr", "mrs", "ms", "dr", "sir", "president", "vice", "prime", "minister", "secretary", "chairman",
    "senator", "sen", "rep", "governor", "gov", "spokesman", "spokeswoman", "spokesperson", "ambassador",
    "king", "queen", "prince", "princess", "pope", "director", "chief", "leader",
])  # fmt: skip
# Words naming the office in "Secretary of State X", "Minister of Foreign Affairs Y".
_EN_OFFICES = frozenset(["state", "defense", "defence", "foreign", "affairs", "interior", "finance",
                         "treasury", "commerce", "justice", "health", "education", "trade", "energy"])
_EN_CONNECTORS = frozenset(["of", "the", "de", "al", "bin", "van", "von", "der", "da", "di", "la", "le", "du", "y"])
# A word, a sentence end, or any other character that breaks a run of words.
_EN_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’\-]*|[.!?]+|\n|[^\sA-Za-z]")


def _read_words(name: str) -> frozenset[str]:
    """A word list in generator/data (words split by space or line, # comments) → the words."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(w for line in lines if not line.startswith("#") for w in line.split())


def _read_idf() -> tuple[dict[str, float], float]:
    """generator/data/zh_idf.tsv → (IDF per word, IDF of any other word)."""
    table, default = {}, 12.0
    for line in (DATA / "zh_idf.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        word, value = line.split("\t")
        if word == "*":
            default = float(value)
        else:
            table[word] = float(value)
    return table, default


STOP_ZH = _read_words("stop_zh.txt")
STOP_EN = _read_words("stop_en.txt")
BACKGROUND_IDF, DEFAULT_IDF = _read_idf()
def _configured_terms(config: TagsConfig) -> tuple[str, ...]:
    """Config → every term it names (alias variants and targets, fixed-tag keys), folded and sorted."""
    terms = {*config.aliases, *config.aliases.values(), *config.fixed}
    return tuple(sorted({clean_name(t) for t in terms} - {""}))


@lru_cache(maxsize=8)
def load_rjieba() -> types.ModuleType:
    """→ the rjieba module, imported on first use: loading it takes 0.2 s that a build served from the
    cache never needs."""
    import rjieba

    return rjieba


def _segmenter(terms: tuple[str, ...]) -> rjieba.Jieba | None:
    """Configured Chinese terms → a segmenter that keeps each whole (None: the default one will do)."""
    chinese = [t for t in terms if any("\u4e00" <= ch <= "\u9fff" for ch in t)]
    if not chinese:
        return None
    segmenter = load_rjieba().Jieba()
    for term in chinese:
        segmenter.add_word(term, 100_000, "nz")
    return segmenter


@lru_cache(maxsize=65_536)
def _unglued(word: str, segmenter: rjieba.Jieba | None) -> str:
    """A proper noun from the dictionary → itself, its name without glue ("和普京" → 普京), or ''."""
    if len(word) < 2 or not all(ch.isalpha() for ch in word):
        return ""  # single characters, numbers, mixed scripts with digits
    if len(word) > 2:
        tag = segmenter.tag if segmenter else load_rjieba().tag
        for rest, glue in ((word[1:], word[0] in _GLUE_BEFORE), (word[:-1], word[-1] in _GLUE_AFTER)):
            if glue:
                parts = tag(rest, False)
                if len(parts) == 1:  # the rest is a dictionary word: the whole was a fragment
                    return rest if parts[0][1] in PROPER else ""
    return word


@lru_cache(maxsize=65_536)
def _proper_kind(word: str) -> str:
    """A word → the kind letter of the name the dictionary takes it for as a whole (zh_names.NAME_KINDS), or ''."""
    parts = load_rjieba().tag(word, False)
    return NAME_KINDS.get(parts[0][1], "") if len(parts) == 1 else ""


JOINED = "joined"  # the part of speech _chinese_terms gives name pieces it joined into one


@lru_cache(maxsize=65_536)
def _chinese_name(word: str, flag: str) -> tuple[str, str]:
    """A token (or pieces joined into one) + its part of speech → (the term it counts for, its kind letter),
    or ('', '') when it is no name: a form of the entity table's, a place without its suffix, or the word."""
    entity = entity_of(word)
    if entity is not None:
        return word, KIND_LETTERS[entity.kind]
    if "·" in word:  # a full name, its parts joined by ·: a person's
        return (word, "p") if all(part.isalpha() for part in word.split("·")) else ("", "")
    if flag == JOINED:  # pieces joined into a name, of a kind not known
        return word, "x"
    if flag not in NAME_KINDS:
        return "", ""
    word = _unglued(word, None)
    if not word:
        return "", ""
    entity = entity_of(word)
    if entity is not None:
        return word, KIND_LETTERS[entity.kind]
    place = place_without_suffix(word, _is_proper)
    if place:
        entity = entity_of(place)
        return place, KIND_LETTERS[entity.kind] if entity is not None else "l"
    if word in STOP_ZH or not is_name(word, flag, load_rjieba().has_word(word)):
        return "", ""
    return word, name_kind(word, flag)


def _is_proper(word: str) -> bool:
    """A word → whether the entity table or the dictionary takes it for a name."""
    return entity_of(word) is not None or bool(_proper_kind(word))


@lru_cache(maxsize=1)
def _table_phrases() -> dict[str, tuple[str, ...]]:
    """→ the entity table's Chinese forms the dictionary cuts into several words, by their first word:
    {first word: the forms, longest first}."""
    phrases: dict[str, list[str]] = defaultdict(list)
    tag = load_rjieba().tag
    for entity in entities():
        for form in (entity.name, *entity.forms):
            form = fold(form)
            if any("\u4e00" <= ch <= "\u9fff" for ch in form):
                for hmm in (True, False):
                    words = [w for w, _ in tag(form, hmm)]
                    if len(words) > 1:
                        phrases[words[0]].append(form)
    return {first: tuple(sorted(set(forms), key=lambda f: (-len(f), f))) for first, forms in phrases.items()}


@lru_cache(maxsize=1)
def _table_words() -> frozenset[str]:
    """→ the entity table's Chinese forms, folded: a word of these is a mention whatever its part of speech
    (资本主义 n, 监控 v)."""
    return frozenset(fold(form) for entity in entities() for form in (entity.name, *entity.forms)
                     if any("\u4e00" <= ch <= "\u9fff" for ch in form))


def _chinese_terms(text: str, segmenter: rjieba.Jieba | None, configured: frozenset[str],
                   ) -> Iterator[tuple[str, int, str]]:
    """Folded Chinese text → (name, table entity or configured term, offset, kind letter) for each mention.

    Adjacent pieces of a transliterated name are joined first (魏茨 + 曼 → 魏茨曼), and a name's parts
    joined by · are one name; the table's forms the dictionary cuts up are found whole (普世 + 价值).
    """
    tokens = segmenter.tag(text) if segmenter else load_rjieba().tag(text)
    phrases, table_words = _table_phrases(), _table_words()
    count, i, offset = len(tokens), 0, 0
    while i < count:
        word, flag = tokens[i]
        start = offset
        if flag not in NAME_KINDS and flag != "eng" and not (len(word) == 1 and word in TRANSLIT) \
                and word not in phrases and word not in configured and word not in table_words:
            i, offset = i + 1, offset + len(word)  # most words: no name, nor the start of one
            continue
        if word in configured:
            i, offset = i + 1, offset + len(word)
            yield word, start, "x"
            continue
        if word in phrases:
            rest = text[start : start + 12]
            form = next((f for f in phrases[word] if rest.startswith(f)), "")
            if form:
                entity = entity_of(form)
                assert entity is not None
                end = start + len(form)
                while offset < end and i < count:
                    offset += len(tokens[i][0])
                    i += 1
                yield form, start, KIND_LETTERS[entity.kind]
                continue
        # A run of name pieces, or of names joined by ·: one name when it has a name in it.
        j, pieces, proper_pieces, places = i, [], 0, 0
        while j < count:
            piece, piece_flag = tokens[j]
            if is_piece(piece, piece_flag) or (pieces and piece_flag in NAME_KINDS and pieces[-1] in SEPARATORS):
                if len(piece) > 1 and piece_flag == "ns":
                    places += 1
                proper_pieces += piece_flag in NAME_KINDS and len(piece) > 1
                pieces.append(piece)
            elif (piece in SEPARATORS and pieces and j + 1 < count and tokens[j + 1][1] in NAME_KINDS
                  and tokens[j + 1][0] not in SEPARATORS):
                pieces.append("·")
            else:
                break
            j += 1
        if len(pieces) > 1 and proper_pieces and places < 2:
            name = "".join(pieces)
            for piece, _ in tokens[i:j]:
                offset += len(piece)
            i = j
            term, kind = _chinese_name(name, JOINED)
            if term:
                yield term, start, kind
            continue
        i, offset = i + 1, offset + len(word)
        if flag == "eng":
            entity = entity_of(word)
            if entity is not None and (word != word.lower() or word in lowercase_english()):
                yield word, start, KIND_LETTERS[entity.kind]
            continue
        if flag == "nt" and word[-1] in "部局署" and i < count and tokens[i][0].startswith("长"):
            continue  # 安全部 + 长: a minister's title (安全部长), not the department
        if flag == "nt" and len(word) <= 3 and word[-1] in "部局署" and i > 1 and tokens[i - 2][1] == "n" \
                and len(tokens[i - 2][0]) == 2:
            # 国土 + 安全部, 国家 + 安全部: the department's name is both (安全部 alone is a fragment of it).
            word, start = tokens[i - 2][0] + word, start - len(tokens[i - 2][0])
        term, kind = _chinese_name(word, flag)
        if term:
            yield term, start, kind


def _english_runs(text: str) -> Iterator[tuple[list[str], int, bool]]:
    """English text → (capitalised word run, offset, starts a sentence) for each run."""
    run: list[str] = []
    start, sentence_start, at_sentence_start = 0, True, True
    for match in _EN_TOKEN.finditer(text):
        token = match.group()
        if token[0].isupper() and token[0].isalpha():
            if not run:
                start, sentence_start = match.start(), at_sentence_start
            run.append(token)
        elif run and token in _EN_CONNECTORS and run[-1] not in _EN_CONNECTORS:
            run.append(token)  # "Bank of England": kept only if a capitalised word follows
        else:
            if run:
                yield run, start, sentence_start
            run = []
        if token[0].isalpha():
            at_sentence_start = False
        elif token[0] in ".!?\n":
            at_sentence_start = True
    if run:
        yield run, start, sentence_start


# A contraction ("I'm", "we've", "don't") is no name.
_CONTRACTION = re.compile(r"^I$|['’](?:m|ve|ll|re|d|t|s)$|n['’]t$", re.IGNORECASE)
# Words capitalised as names are, that name nothing alone ("the Party", "the Internet", "God").
_EN_GENERIC = frozenset(["party", "state", "states", "government", "ministry", "republic", "congress", "internet",
                         "web", "god", "mum", "mom", "dad", "english", "court", "army", "city", "council"])
# Common nouns a name's possessive is made of ("People's Republic", "Workers' Party", "Women's March").
_EN_GROUPS = frozenset(["people", "workers", "women", "children", "men", "veterans", "farmers", "citizens",
                        "nations", "mothers", "fathers", "students", "writers", "peoples", "worker", "woman", "child"])
_LOWER_WORD = re.compile(r"(?<![\w'’])[a-z][a-z'’\-]*")
# Last words of organisations' and places' names, and first words of places', for an English name's kind.
_EN_ORGANISATION = frozenset(["party", "university", "ministry", "council", "committee", "agency", "bank", "company",
                              "corporation", "inc", "times", "post", "news", "institute", "foundation", "association",
                              "union", "court", "department", "commission", "organization", "organisation", "group",
                              "lab", "labs", "army", "police", "congress", "parliament", "office", "bureau", "center",
                              "centre", "network", "journal", "review", "press", "media"])
_EN_PLACE = frozenset(["city", "province", "island", "islands", "sea", "river", "street", "square", "mountains",
                       "county", "state", "region", "valley", "bay", "strait", "district"])
_EN_PLACE_FIRST = frozenset(["north", "south", "east", "west", "new", "san", "los", "saint", "st", "mount", "lake"])


def _english_kind(term: str) -> str:
    """A capitalised English name → its kind letter, where its words tell (Party, University, Province, …)."""
    words = term.casefold().split()
    if len(words) > 1 and words[-1] in _EN_ORGANISATION:
        return "o"
    if len(words) > 1 and (words[-1] in _EN_PLACE or words[0] in _EN_PLACE_FIRST):
        return "l"
    return "x"


def _possessive_split(words: list[str], common: frozenset[str]) -> list[list[str]]:
    """A run's words → the names in it: split after a possessive ("China's Zoom" → China, Zoom), unless the
    possessor is a common word, when the possessive is part of the name ("People's Republic of China")."""
    names: list[list[str]] = [[]]
    for position, word in enumerate(words):
        base = re.sub(r"['’]s$|(?<=s)['’]$", "", word)
        if base != word and position + 1 < len(words):
            if base.lower() in common or base.lower() in STOP_EN or base.lower() in _EN_GROUPS:
                names[-1].append(base + ("'s" if not word.endswith(("'", "’")) else "'"))
                continue
            names[-1].append(base)
            names.append([])
        else:
            names[-1].append(base)
    return [name for name in names if name]


def _english_terms(text: str) -> Iterator[tuple[str, int, str]]:
    """English text → (proper name, offset, kind letter) per mention: titles, stop words, contractions, common
    words that open a sentence and possessives dropped ("Although Beijing's" → Beijing)."""
    common = frozenset(_LOWER_WORD.findall(text))  # the words the text also writes in lower case
    found = []
    for run, start, sentence_start in _english_runs(text.replace("’", "'")):
        if any(_CONTRACTION.search(w) and not re.search(r"['’]s$", w) for w in run):
            run = [w for w in run if not (_CONTRACTION.search(w) and not re.search(r"['’]s$", w))]
            sentence_start = False
        if sentence_start and run and (run[0].lower() in common or (len(run) > 2 and run[1] == "the")):
            # "Unless China", "Later the Workers' Party": a common word that opens a sentence
            run, sentence_start = run[1:], False
        for words in _possessive_split(run, common):
            # Quotes and dashes around a word go; the apostrophe of "Workers' Party" stays.
            words = [w if w.endswith("'") and w[:-1].lower() in _EN_GROUPS else w.strip("-'") for w in words]
            while words and words[-1] in _EN_CONNECTORS:
                words.pop()
            titled = [i for i, w in enumerate(words) if w.lower() in _EN_TITLES]
            first = sentence_start
            if titled and titled[-1] + 1 < len(words):
                words, first = words[titled[-1] + 1 :], False
                while words and words[0] in _EN_CONNECTORS:  # "Secretary of State Antony Blinken"
                    words = words[1:]
                    while words and words[0].lower() in _EN_OFFICES:
                        words = words[1:]
            while words and words[0].lower() in STOP_EN:
                words, first = words[1:], False
            words = [w for w in words if w]
            if not words or (len(words) == 1 and (words[0].lower() in STOP_EN or len(words[0]) < 2)):
                continue
            if len(words) == 1 and (words[0].lower() in common or words[0].lower() in _EN_GENERIC) \
                    and entity_of(words[0]) is None:
                continue  # "Internet" where the text also writes "internet": a common word
            found.append((" ".join(words), start, first and len(words) == 1))
            sentence_start = False
    # A lone capitalised word only at sentence starts ("Officials said") is not a name.
    named = {term for term, _, first in found if not first}
    # News names a person in full once, then by surname: "Putin" after "Vladimir Putin" is one tag.
    full: dict[str, set[str]] = defaultdict(set)
    for term, _, _ in found:
        words = term.split(" ")
        if 1 < len(words) <= 4 and not any(w in _EN_CONNECTORS for w in words):
            full[words[-1]].add(term)
    for term, start, first in found:
        if not first or term in named or term.isupper() or entity_of(term) is not None:
            term = next(iter(full[term])) if len(full.get(term, ())) == 1 else term
            entity = entity_of(term)
            yield term, start, KIND_LETTERS[entity.kind] if entity is not None else _english_kind(term)
    pattern = lowercase_forms()
    if pattern is not None:
        for match in pattern.finditer(text):
            entity = entity_of(match.group())
            if entity is not None:
                yield match.group(), match.start(), KIND_LETTERS[entity.kind]


def _configured_latin(text: str, terms: Iterable[str]) -> Iterator[tuple[str, int, str]]:
    """Text + configured terms in Latin letters → (term, offset, kind letter) for each whole-word mention."""
    for term in terms:
        if term.isascii():
            for match in re.finditer(rf"\b{re.escape(term)}\b", text, re.IGNORECASE):
                yield term, match.start(), "x"


def _mentions(text: str, lang: str, config: TagsConfig) -> Iterator[tuple[str, int, str]]:
    """Folded text → every mention of a candidate term, with its offset and kind letter."""
    terms = _configured_terms(config)
    if lang == "en":
        yield from _english_terms(text)
    else:
        yield from _chinese_terms(text, _segmenter(terms), frozenset(terms))
    yield from _configured_latin(text, terms)


def _longest_names(counts: dict[str, int], text: str) -> dict[str, str]:
    """An article's Chinese candidate keys + its text → {a fragment: the longer name it is part of}.

    A candidate that a longer candidate holds, and that the text mostly writes inside it (斯诺 where 斯诺登
    is written as often), or that is a part of a full name joined by · (马丁 in 马丁·路德·金), is that name.
    """
    longer = sorted((key for key in counts if len(key) > 2 and not key.isascii()), key=len, reverse=True)
    moved = {}
    for key in counts:
        if key.isascii() or entity_of(key) is not None:
            continue
        holders = [name for name in longer if len(name) > len(key) and key in name
                   and (("·" in name and key in name.split("·")) or text.count(name) * 2 >= text.count(key))]
        if holders:  # the one written most, then the longest
            moved[key] = max(holders, key=lambda name: (text.count(name), len(name), name))
    return moved


def _outlet_form(name: str) -> str:
    """An outlet's name, domain or category → the form they are compared in: letters and digits, case-folded,
    without the domain's ending ("Nei.st", "nei.st" → "neist"; "iyouport.org" → "iyouport")."""
    name = term_key(name)
    if "." in name and name.isascii() and " " not in name:
        name = name.rsplit(".", 1)[0]
    return "".join(ch for ch in name if ch.isalnum())


def _own_tags(listed: Iterable[str], outlet: Iterable[str], aliases: dict[str, str], stop: set[str]) -> list[str]:
    """The tags a post lists itself + its outlet's name, domain and categories + config aliases and stop words →
    its own tags, each as the tag it is an alias or entity of. A tag that only names the outlet (`[ Matters ]`,
    which real archives list on every post) is left out: the article's publisher link already says it."""
    outlets = {_outlet_form(name) for name in outlet} - {""}
    own = []
    for tag in listed:
        tag = clean_name(tag)
        if not tag or _outlet_form(tag) in outlets or term_key(tag) in stop:
            continue
        tag = aliases.get(term_key(tag), tag)
        entity = entity_of(tag)
        own.append(entity.name if entity is not None else tag)
    return list(dict.fromkeys(own))


def extract_candidates(title: str, text: str, lang: str, config: TagsConfig, listed: Iterable[str] = (),
                       outlet: Iterable[str] = ()) -> TagCandidates:
    """An article's title, plain text and language + [tags] config (+ the tags the post lists itself, + its
    outlet's name, domain and categories) → its candidates, sorted by term, and its own tags.

    The outlet is no tag of its own articles (a 美国之音 article that names 美国之音 is not about it)."""
    aliases = {term_key(k): clean_name(v) for k, v in config.aliases.items()}
    stop = {term_key(w) for w in config.stop}
    outlet = tuple(outlet)
    own = _own_tags(listed, outlet, aliases, stop)
    for name in outlet:
        entity = entity_of(name)
        stop |= {term_key(name)} | ({term_key(entity.name)} if entity is not None else set())
    # The start of the outlet's name is its brand too (燕京 of the category 燕京书评), unless it names an entity
    # (美国 of 美国之音).
    brands = tuple(term_key(name) for name in outlet if len(name) > 2)
    configured = {term_key(t) for t in _configured_terms(config)}
    text = fold(text)
    length = max(len(text), 1)
    # (term, weight, where it is: 0 = title or start of text, 1 = end of text, kind letter)
    in_text = [(term, 10 + round(10 * (1 - offset / length)), offset / length, kind)
               for term, offset, kind in _mentions(text, lang, config)]
    in_title = [(term, TITLE_WEIGHT, 0.0, kind) for term, _, kind in _mentions(fold(title), lang, config)]
    if lang == "en":  # an English title capitalises every word: its names count only where the text has them
        written = {term_key(term) for term, _, _, _ in in_text}
        in_title = [mention for mention in in_title if term_key(mention[0]) in written]
    # Plain dicts, not Counters: a Counter's missing key is a Python call, per mention.
    counts: dict[str, int] = {}
    weights: dict[str, int] = {}
    spellings: dict[str, dict[str, int]] = {}
    kinds: dict[str, dict[str, int]] = {}
    stop_zh = STOP_ZH if lang != "en" else frozenset()
    for term, weight, where, kind in in_title + in_text:
        # A config alias wins over the entity table, which wins over the form written.
        key = term_key(term)
        if key in aliases:
            term = aliases[key]
        elif (entity := entity_of(term)) is not None:
            term = entity.name
        key = term_key(term)
        if key in stop or term in stop_zh or (len(key) > 1 and any(brand.startswith(key) for brand in brands)
                                              and entity_of(term) is None):
            continue
        if key not in counts:  # mentions come in reading order: title, then text
            counts[key], weights[key], spellings[key], kinds[key] = 0, round(FIRST_WEIGHT * (1 - where)), {}, {}
        counts[key] += 1
        weights[key] += weight
        spelled = spellings[key]
        spelled[term] = spelled.get(term, 0) + 1
        kinds[key][kind] = kinds[key].get(kind, 0) + 1
    if lang != "en":
        for fragment, name in _longest_names(counts, text).items():
            if fragment in counts and name in counts:
                counts[name] += counts.pop(fragment)
                weights[name] += weights.pop(fragment)
                spellings.pop(fragment)
                for kind, n in kinds.pop(fragment).items():
                    kinds[name][kind] = kinds[name].get(kind, 0) + n
    # An article that names nothing twice (a stub, a short note) keeps the name it gives most weight to, if its
    # title names it or the entity table knows it (a name met once in a story may be anything). Tagging takes
    # it only when nothing else is there (archive.tagging._best).
    named = [key for key, count in counts.items() if count >= MIN_OCCURRENCES]
    titled = {term_key(term) for term, _, _, _ in in_title}
    known = [key for key in counts if key in titled or entity_of(key) is not None]
    lone = () if named or not known else (min(known, key=lambda key: (-weights[key], key)),)
    result, letters = [], {}
    for key, count in counts.items():
        if count >= MIN_OCCURRENCES or key in configured or key in lone:
            # The spelling used most ("Kim Jong Un", not "KIM JONG UN"); ties go to the first in order.
            spelling = min(spellings[key].items(), key=lambda item: (-item[1], item[0]))[0]
            result.append((spelling, count, weights[key]))
            # The kind most mentions say, a known one before "x"; ties go to the first letter.
            letters[spelling] = min(kinds[key].items(), key=lambda item: (item[0] == "x", -item[1], item[0]))[0]
    return TagCandidates.pack(result, letters, own)
