/**
 * Span-pass results of consecutive document ranges, as transferable typed arrays, and their merge in
 * range order. Candidates and words are appended range by range in each range's own first-occurrence
 * order, so the merged tables list them in first-occurrence order over the whole corpus: the result is
 * the single-thread pass's, entry for entry.
 */
import type { ArenaTableData } from '../arena-table.js';
import type { SpanTableData } from './span-table.js';
import { type SpanCounts, UNIT_SPAN } from './spans.js';

/** One source's candidate counts in first-occurrence order (range-local candidate ids). */
export interface SourceCountsData {
  ids: Int32Array;
  counts: Float64Array;
}

export interface SpanCountsData {
  table: SpanTableData;
  bySource: SourceCountsData[] | null;
  words: ArenaTableData<Int32Array> | null;
  occurrences: number;
  skippedHashPrefix: number;
}

export function spanCountsData(counts: SpanCounts): SpanCountsData {
  const { table, bySource, words, occurrences, skippedHashPrefix } = counts;
  return {
    table: table.data(),
    bySource:
      bySource?.map((map) => ({
        ids: Int32Array.from(map.keys()),
        counts: Float64Array.from(map.values()),
      })) ?? null,
    words: words?.data() ?? null,
    occurrences,
    skippedHashPrefix,
  };
}

/** The buffers of `data`, to transfer rather than copy it to another thread. */
export function spanCountsTransferList(data: SpanCountsData): ArrayBuffer[] {
  const { table, bySource, words } = data;
  const views: ArrayBufferView[] = [
    table.arena,
    table.starts,
    table.lengths,
    table.hashes,
    table.counts,
    table.initial,
  ];
  for (const source of bySource ?? []) views.push(source.ids, source.counts);
  if (words !== null) views.push(words.arena, words.starts, words.lengths, words.counts, words.hashes);
  return views.map((view) => view.buffer as ArrayBuffer);
}

/** Adds the counts of the range that follows everything already in `into` (edits `into` and `part`). */
export function mergeSpanCounts(into: SpanCounts, part: SpanCountsData): void {
  const ids = into.table.merge(part.table);
  if (
    (into.bySource === null) !== (part.bySource === null) ||
    (into.words === null) !== (part.words === null)
  ) {
    throw new Error('span-pass ranges were counted with different options');
  }
  if (into.bySource !== null) {
    part.bySource!.forEach((source, s) => {
      const map = into.bySource![s]!;
      for (let j = 0; j < source.ids.length; j++) {
        const c = ids[source.ids[j]!]!;
        map.set(c, (map.get(c) ?? 0) + source.counts[j]!);
      }
    });
  }
  if (into.words !== null) {
    const { size, arena, starts, lengths, counts } = part.words!;
    // Renumber span units from range-local to merged candidate ids (the arena is ours after transfer).
    for (let k = 0; k < arena.length; k++) {
      const unit = arena[k]!;
      if (unit >= UNIT_SPAN) arena[k] = UNIT_SPAN + ids[unit - UNIT_SPAN]!;
    }
    for (let j = 0; j < size; j++) into.words.add(arena, starts[j]!, lengths[j]!, counts[j]!);
  }
  into.occurrences += part.occurrences;
  into.skippedHashPrefix += part.skippedHashPrefix;
}
