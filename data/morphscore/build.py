"""Builds the MorphScore lists of data/morphscore/ from UniMorph data (CC BY-SA 3.0).

Usage: python3 build.py ENG_ARGS DEU_DERIVATIONS SPA_DERIVATIONS  (files of github.com/unimorph/{eng,deu,spa})

Each item is one word with one morpheme boundary (full_word, pt1, rest), as MorphScore expects
(Arnett & Bergen, arXiv:2411.14198):
- English (eng.args: lemma, inflected form, features): verb forms that are the lemma plus a suffix
  (walk + ed, nip + ped, bless + eth); pt1 is the lemma.
- German and Spanish (*.derivations: base, derived word, categories, affix): derived words made by one
  suffix ("-ung": Heil + ung) or prefix ("be-": be + fallen) that the word visibly ends or starts with.
Only alphabetic words of at least 4 letters whose both parts have at least 2 (suffix: 1) letters are kept,
and only words that occur in the corpus the demo evaluates on (English: data/kjv.txt; German, Spanish:
data/multilingual/{de,es}.txt), most frequent first, at most 2,000 per language; ties alphabetical.
"""
import collections
import csv
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)
WORD = re.compile(r"[^\W\d_]+")
MAX_ITEMS = 2000


def corpus_counts(path):
    with open(path, encoding="utf-8") as f:
        return collections.Counter(WORD.findall(f.read()))


def english(args_file):
    items = {}
    with open(args_file, encoding="utf-8") as f:
        for line in f:
            lemma, form, feats = line.rstrip("\n").split("\t")[:3]
            if feats == "V;NFIN" or not form.startswith(lemma) or form == lemma:
                continue
            items.setdefault(form, (lemma, form[len(lemma):]))
    return items


def derivations(file):
    items = {}
    with open(file, encoding="utf-8") as f:
        for line in f:
            base, word, _, affix = line.rstrip("\n").split("\t")[:4]
            if affix.startswith("-") and not affix.endswith("-"):
                suffix = affix[1:]
                if suffix and word.endswith(suffix) and len(word) > len(suffix):
                    items.setdefault(word, (word[: -len(suffix)], suffix))
            elif affix.endswith("-") and not affix.startswith("-"):
                prefix = affix[:-1]
                if prefix and word.lower().startswith(prefix.lower()) and len(word) > len(prefix):
                    items.setdefault(word, (word[: len(prefix)], word[len(prefix):]))
    return items


def write(name, items, counts):
    kept = []
    for word, (pt1, rest) in items.items():
        if not WORD.fullmatch(word) or len(word) < 4 or len(pt1) < 2 or len(rest) < 1:
            continue
        if counts[word] > 0:
            kept.append((-counts[word], word, pt1, rest))
    kept.sort()
    with open(os.path.join(HERE, f"{name}.csv"), "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["full_word", "pt1", "rest"])
        for _, word, pt1, rest in kept[:MAX_ITEMS]:
            out.writerow([word, pt1, rest])
    print(f"{name}: {min(len(kept), MAX_ITEMS)} items ({len(kept)} found in the corpus)")


def main():
    eng_args, deu, spa = sys.argv[1:4]
    write("en", english(eng_args), corpus_counts(os.path.join(DATA, "kjv.txt")))
    write("de", derivations(deu), corpus_counts(os.path.join(DATA, "multilingual", "de.txt")))
    write("es", derivations(spa), corpus_counts(os.path.join(DATA, "multilingual", "es.txt")))


if __name__ == "__main__":
    main()
