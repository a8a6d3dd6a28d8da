/**
 * Word families: "inklusive" finds "Inklusion", "psychologisch" finds "Psychologe", "ehrenamtlich"
 * finds "Ehrenamt". Stemming joins inflections, not derivations; so a question word also searches the
 * indexed words that share its root (the stem without a derivational ending) and are at most a few
 * letters longer than it: related forms, not compounds built on it; and the word without its last one or
 * two letters ("warschau" for "warschaus"), if the index has that.
 */

/** Derivational endings of Snowball stems, longest first. */
const ENDINGS = ["schaft", "isch", "lich", "heit", "keit", "ion", "ung", "ell", "iv", "ig"];
/** A root shorter than this ("arb", "recht") is too short to say it is the same word. */
const MIN_ROOT = 5;
/** A family member is at most this many letters longer than the root. */
const MAX_EXTRA = 5;
const MAX_VARIANTS = 6;
/** Shorter forms: at most this many letters less (a genitive -s, -es that Snowball keeps on names). */
const MAX_CUT = 2;

export function rootOf(stem: string): string {
  for (const e of ENDINGS) if (stem.endsWith(e) && stem.length - e.length >= MIN_ROOT) return stem.slice(0, -e.length);
  return stem;
}

/** Indexed words of `stem`'s family; `vocabulary` is sorted. */
export function wordFamily(stem: string, vocabulary: readonly string[]): string[] {
  const root = rootOf(stem);
  if (root.length < MIN_ROOT || /\d/.test(root)) return [];
  const out: string[] = [];
  // Shorter forms of the word itself ("warschau" for the genitive "warschaus"), if the index has them.
  for (let cut = 1; cut <= MAX_CUT && stem.length - cut >= MIN_ROOT; cut++) {
    const shorter = stem.slice(0, -cut);
    const at = lowerBound(vocabulary, shorter);
    if (vocabulary[at] === shorter) out.push(shorter);
  }
  for (let i = lowerBound(vocabulary, root); i < vocabulary.length && vocabulary[i]!.startsWith(root); i++) {
    const t = vocabulary[i]!;
    if (t !== stem && t.length <= root.length + MAX_EXTRA) out.push(t);
    if (out.length === MAX_VARIANTS) break;
  }
  return out;
}

/**
 * Typo tolerance: the indexed words one edit (two for words of eight letters or more) away from a word
 * the index does not know ("grossenlach" → "grosserlach", "hundesteur" → "hundesteu"), the closest
 * ones only. Words under five letters are left alone: too many words are one edit from them. The first
 * letter is taken as typed (few typos are there), which keeps the search to a small share of the words.
 */
export function nearWords(word: string, vocabulary: readonly string[]): string[] {
  if (word.length < 5 || /\d/.test(word)) return [];
  const max = word.length >= 8 ? 2 : 1;
  const buckets = bucketsOf(vocabulary);
  let best = max + 1;
  let out: string[] = [];
  for (let len = word.length - max; len <= word.length + max; len++) {
    for (const t of buckets.get(`${word[0]}${len}`) ?? []) {
      const d = editDistance(word, t, Math.min(max, best));
      if (d < best) {
        best = d;
        out = [t];
      } else if (d === best && out.length < MAX_VARIANTS) out.push(t);
    }
  }
  return best <= max ? out : [];
}

const bucketCache = new WeakMap<readonly string[], Map<string, string[]>>();
/** The vocabulary by first letter and length ("h10"), built once per index version. */
function bucketsOf(vocabulary: readonly string[]): Map<string, string[]> {
  let map = bucketCache.get(vocabulary);
  if (!map) {
    map = new Map();
    for (const t of vocabulary) {
      if (t.length < 4 || /\d/.test(t)) continue;
      const key = `${t[0]}${t.length}`;
      let b = map.get(key);
      if (!b) map.set(key, (b = []));
      b.push(t);
    }
    bucketCache.set(vocabulary, map);
  }
  return map;
}

/** Optimal string alignment distance (swapping neighbours is one edit); max + 1 as soon as it must exceed max. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const width = b.length + 1;
  let prev2 = new Uint8Array(width);
  let prev = new Uint8Array(width);
  let row = new Uint8Array(width);
  for (let j = 0; j < width; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    let rowMin = i;
    for (let j = 1; j < width; j++) {
      let v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      row[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, row] = [prev, row, prev2];
  }
  return prev[b.length]!;
}

function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
