"""Make generator/article/data/zh_idf.tsv, the background IDF for Chinese tags (run once, by hand).

    pip install jieba rjieba
    python tools/make_tag_idf.py PATH/TO/site-packages/jieba/analyse/idf.txt

jieba (MIT licence) ships idf.txt: an IDF for 270,000 words from a large Chinese corpus.
Tags only ever need the IDF of proper nouns, and only of the common ones: a word that is
missing gets the median IDF, which is what a rare word has anyway. So the table keeps the
words that rjieba's dictionary tags as a name, place, organisation or other proper noun
and whose IDF is below CUTOFF, rounded to two decimals: about 10,000 lines, not 6 MB.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import rjieba

PROPER = {"nr", "nrt", "nrfg", "ns", "nt", "nz"}
CUTOFF = 10.5
OUT = Path(__file__).resolve().parent.parent / "generator" / "article" / "data" / "zh_idf.tsv"


def main(idf_txt: str) -> None:
    """jieba's idf.txt → the small table in generator/data."""
    idf = {}
    for line in Path(idf_txt).read_text(encoding="utf-8").splitlines():
        word, value = line.split()
        idf[word] = float(value)
    median = statistics.median(idf.values())
    rows = []
    for word, value in sorted(idf.items()):
        tagged = rjieba.tag(word, False)
        if len(word) > 1 and value < CUTOFF and len(tagged) == 1 and tagged[0][1] in PROPER:
            rows.append(f"{word}\t{value:.2f}")
    header = ["# background IDF of common proper nouns, from jieba's idf.txt (MIT) by tools/make_tag_idf.py",
              f"*\t{median:.2f}"]
    OUT.write_text("\n".join(header + rows) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(rows)} words, default {median:.2f}")


if __name__ == "__main__":
    main(sys.argv[1])
