"""Our re-implementation of the ByteSpan reference's BPE continuation algorithm, for benchmarking only.

This is NOT the reference's code (which is not installable here): it re-implements, with numpy instead of
torch, the algorithm the spec describes (bytespan-reference.md §10) — every merge recounts all adjacent
pairs of the whole id stream, picks the most frequent (ties: smallest right * (N + 1) + left), and replaces
all matching positions at once, as the reference does (including its defects: overlapping occurrences
collapse and `##` is removed everywhere in the right token, B4). Pairs whose right element starts a
pre-token are never counted.

Usage: python3 bytespan_reference_bpe.py INPUT_DIR TARGET_SIZE TIME_BUDGET_SECONDS
INPUT_DIR holds ids.i32 (the token-id stream), starts.u8 (1 where an id starts a pre-token) and
vocab.json (the starting vocabulary, id order). Prints one JSON object: merges done, seconds, seconds per
merge (overall and over the first 100 merges), vocabulary size reached and the tokens added (in order).
"""

import json
import sys
import time

import numpy as np

EARLY_MERGES = 100


def main() -> None:
    folder, target, budget = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    ids = np.fromfile(f"{folder}/ids.i32", dtype=np.int32).astype(np.int64)
    starts = np.fromfile(f"{folder}/starts.u8", dtype=np.uint8).astype(bool)
    with open(f"{folder}/vocab.json", encoding="utf-8") as f:
        vocab = json.load(f)
    index = {token: i for i, token in enumerate(vocab)}
    added = []
    merges = 0
    early_seconds = None  # time of the first EARLY_MERGES merges, at (nearly) the initial stream length
    began = time.perf_counter()
    while len(vocab) < target and time.perf_counter() - began < budget:
        n = len(vocab)
        # Pair at position i: (ids[i - 1], ids[i]), valid unless ids[i] starts a pre-token.
        pairs = ids[1:] * (n + 1) + ids[:-1]
        valid = ~starts[1:]
        unique, counts = np.unique(pairs[valid], return_counts=True)
        if unique.size == 0:
            break
        best = unique[np.argmax(counts)]  # first maximum = smallest code among ties
        left, right = int(best % (n + 1)), int(best // (n + 1))
        joined = vocab[left] + vocab[right].replace("##", "")
        new_id = index.get(joined)
        if new_id is None:
            new_id = len(vocab)
            vocab.append(joined)
            index[joined] = new_id
            added.append(joined)
        hit = np.zeros(ids.size, dtype=bool)
        hit[1:] = (pairs == best) & valid
        # All matching positions at once: the left element becomes the new id, the right one is dropped.
        ids[np.roll(hit, -1)] = new_id
        keep = ~hit
        ids = ids[keep]
        starts = starts[keep]
        merges += 1
        if merges == EARLY_MERGES:
            early_seconds = time.perf_counter() - began
    seconds = time.perf_counter() - began
    print(
        json.dumps(
            {
                "merges": merges,
                "seconds": seconds,
                "secondsPerMerge": seconds / max(merges, 1),
                "earlySecondsPerMerge": None if early_seconds is None else early_seconds / EARLY_MERGES,
                "vocabSize": len(vocab),
                "streamLength": int(ids.size),
                "added": added,
            }
        )
    )


if __name__ == "__main__":
    main()
