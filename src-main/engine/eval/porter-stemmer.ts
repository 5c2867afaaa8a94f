/**
 * The Porter stemmer exactly as NLTK's `PorterStemmer()` computes it in its default mode, NLTK_EXTENSIONS
 * (nltk/stem/porter.py; Porter, "An algorithm for suffix stripping", Program 14.3, 1980).
 *
 * Why our own: SNI's ROUGE-L (Google rouge_score with use_stemmer=True) stems with NLTK, and the npm
 * stemmers implement the original algorithm, which disagrees with NLTK on words such as ties, dying, news,
 * proceed, innings and skies (environment.md §7). Every rule below follows NLTK's rule lists in their order,
 * including NLTK's departures: the irregular-forms pool, 'ies'/'ied' on 4-letter words, the 2-letter *o
 * case, the (*c and not c) Y → I condition, 'alli' first with a re-run of step 2, 'bli', 'fulli', 'logi'.
 */

/** Words NLTK maps straight to a fixed stem, bypassing every step ("errors drawn to Porter's attention"). */
const IRREGULAR_FORMS: Record<string, string[]> = {
  sky: ['sky', 'skies'],
  die: ['dying'],
  lie: ['lying'],
  tie: ['tying'],
  news: ['news'],
  inning: ['innings', 'inning'],
  outing: ['outings', 'outing'],
  canning: ['cannings', 'canning'],
  howe: ['howe'],
  proceed: ['proceed'],
  exceed: ['exceed'],
  succeed: ['succeed'],
}

const POOL: ReadonlyMap<string, string> = new Map(
  Object.entries(IRREGULAR_FORMS).flatMap(([stem, forms]) => forms.map((form) => [form, stem] as const)),
)

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u'])

/** A suffix rule: replace `suffix` by `replacement` when `condition(stem)` holds (stem = word minus suffix). */
interface Rule {
  /** The suffix, or DOUBLE_CONSONANT for Porter's condition *d (the word ends in a doubled consonant). */
  suffix: string
  replacement: string
  condition: ((stem: string) => boolean) | null
}

const DOUBLE_CONSONANT = '*d'

/** A consonant is a letter other than a, e, i, o, u, and other than y preceded by a consonant. */
function isConsonant(word: string, i: number): boolean {
  const ch = word[i]!
  if (VOWELS.has(ch)) return false
  if (ch === 'y') return i === 0 ? true : !isConsonant(word, i - 1)
  return true
}

/** Porter's measure m of [C](VC){m}[V]: the number of vowel→consonant transitions. */
function measure(stem: string): number {
  let m = 0
  let previousIsVowel = false
  for (let i = 0; i < stem.length; i++) {
    const consonant = isConsonant(stem, i)
    if (consonant && previousIsVowel) m++
    previousIsVowel = !consonant
  }
  return m
}

const hasPositiveMeasure = (stem: string): boolean => measure(stem) > 0
const measureAboveOne = (stem: string): boolean => measure(stem) > 1

function containsVowel(stem: string): boolean {
  for (let i = 0; i < stem.length; i++) if (!isConsonant(stem, i)) return true
  return false
}

/** Condition *d: the word ends with a double consonant. */
function endsDoubleConsonant(word: string): boolean {
  const n = word.length
  return n >= 2 && word[n - 1] === word[n - 2] && isConsonant(word, n - 1)
}

/** Condition *o: the stem ends consonant-vowel-consonant, the last not w, x or y; NLTK adds 2-letter vowel-consonant stems. */
function endsCvc(word: string): boolean {
  const n = word.length
  const classicCvc =
    n >= 3 &&
    isConsonant(word, n - 3) &&
    !isConsonant(word, n - 2) &&
    isConsonant(word, n - 1) &&
    !['w', 'x', 'y'].includes(word[n - 1]!)
  return classicCvc || (n === 2 && !isConsonant(word, 0) && isConsonant(word, 1))
}

function replaceSuffix(word: string, suffix: string, replacement: string): string {
  return word.slice(0, word.length - suffix.length) + replacement
}

/** The first rule whose suffix matches decides: applied if its condition holds, otherwise the word is kept. */
function applyRuleList(word: string, rules: Rule[]): string {
  for (const { suffix, replacement, condition } of rules) {
    if (suffix === DOUBLE_CONSONANT && endsDoubleConsonant(word)) {
      const stem = word.slice(0, -2)
      return condition === null || condition(stem) ? stem + replacement : word
    }
    if (word.endsWith(suffix)) {
      const stem = replaceSuffix(word, suffix, '')
      return condition === null || condition(stem) ? stem + replacement : word
    }
  }
  return word
}

function step1a(word: string): string {
  // NLTK: 'dies' → 'die' rather than 'di' (while 'flies' → 'fli').
  if (word.endsWith('ies') && word.length === 4) return replaceSuffix(word, 'ies', 'ie')
  return applyRuleList(word, [
    { suffix: 'sses', replacement: 'ss', condition: null },
    { suffix: 'ies', replacement: 'i', condition: null },
    { suffix: 'ss', replacement: 'ss', condition: null },
    { suffix: 's', replacement: '', condition: null },
  ])
}

function step1b(word: string): string {
  // NLTK: 'died' → 'die', 'spied' → 'spi'.
  if (word.endsWith('ied')) return replaceSuffix(word, 'ied', word.length === 4 ? 'ie' : 'i')
  if (word.endsWith('eed')) {
    const stem = replaceSuffix(word, 'eed', '')
    return measure(stem) > 0 ? stem + 'ee' : word
  }
  let stem: string | null = null
  for (const suffix of ['ed', 'ing']) {
    if (word.endsWith(suffix) && containsVowel(replaceSuffix(word, suffix, ''))) {
      stem = replaceSuffix(word, suffix, '')
      break
    }
  }
  if (stem === null) return word
  const last = stem[stem.length - 1]!
  return applyRuleList(stem, [
    { suffix: 'at', replacement: 'ate', condition: null },
    { suffix: 'bl', replacement: 'ble', condition: null },
    { suffix: 'iz', replacement: 'ize', condition: null },
    // (*d and not (*L or *S or *Z)) → single letter
    { suffix: DOUBLE_CONSONANT, replacement: last, condition: () => !['l', 's', 'z'].includes(last) },
    // (m=1 and *o) → E
    { suffix: '', replacement: 'e', condition: (s) => measure(s) === 1 && endsCvc(s) },
  ])
}

function step1c(word: string): string {
  // NLTK: (*c and not c) Y → I, so 'happy' → 'happi' but 'enjoy' and 'sky' stay.
  return applyRuleList(word, [
    { suffix: 'y', replacement: 'i', condition: (stem) => stem.length > 1 && isConsonant(stem, stem.length - 1) },
  ])
}

const STEP2_RULES: Rule[] = [
  ['ational', 'ate'],
  ['tional', 'tion'],
  ['enci', 'ence'],
  ['anci', 'ance'],
  ['izer', 'ize'],
  ['bli', 'ble'], // NLTK keeps Porter's later 'bli' in place of the paper's 'abli'
  ['alli', 'al'],
  ['entli', 'ent'],
  ['eli', 'e'],
  ['ousli', 'ous'],
  ['ization', 'ize'],
  ['ation', 'ate'],
  ['ator', 'ate'],
  ['alism', 'al'],
  ['iveness', 'ive'],
  ['fulness', 'ful'],
  ['ousness', 'ous'],
  ['aliti', 'al'],
  ['iviti', 'ive'],
  ['biliti', 'ble'],
  ['fulli', 'ful'],
].map(([suffix, replacement]) => ({ suffix: suffix!, replacement: replacement!, condition: hasPositiveMeasure }))

function step2(word: string): string {
  // NLTK applies ALLI → AL first and, when it fires, runs step 2 again on the result.
  if (word.endsWith('alli') && hasPositiveMeasure(replaceSuffix(word, 'alli', ''))) {
    return step2(replaceSuffix(word, 'alli', 'al'))
  }
  // 'logi' → 'log' with the 'l' counted in the stem, so short stems like 'geo', 'theo' qualify.
  const logi: Rule = { suffix: 'logi', replacement: 'log', condition: () => hasPositiveMeasure(word.slice(0, -3)) }
  return applyRuleList(word, [...STEP2_RULES, logi])
}

const STEP3_RULES: Rule[] = [
  ['icate', 'ic'],
  ['ative', ''],
  ['alize', 'al'],
  ['iciti', 'ic'],
  ['ical', 'ic'],
  ['ful', ''],
  ['ness', ''],
].map(([suffix, replacement]) => ({ suffix: suffix!, replacement: replacement!, condition: hasPositiveMeasure }))

const STEP4_RULES: Rule[] = [
  'al', 'ance', 'ence', 'er', 'ic', 'able', 'ible', 'ant', 'ement', 'ment', 'ent', 'ion', 'ou', 'ism', 'ate', 'iti',
  'ous', 'ive', 'ize',
].map((suffix) => ({
  suffix,
  replacement: '',
  // (m>1 and (*S or *T)) ION
  condition: suffix === 'ion' ? (stem: string) => measureAboveOne(stem) && ['s', 't'].includes(stem.at(-1)!) : measureAboveOne,
}))

function step5a(word: string): string {
  // Both E rules are tried (unlike applyRuleList): (m>1) E →, then (m=1 and not *o) E →.
  if (!word.endsWith('e')) return word
  const stem = word.slice(0, -1)
  if (measure(stem) > 1) return stem
  if (measure(stem) === 1 && !endsCvc(stem)) return stem
  return word
}

function step5b(word: string): string {
  // (m>1 and *d and *L) → single letter; the measure is taken on the word minus one 'l'.
  return applyRuleList(word, [{ suffix: 'll', replacement: 'l', condition: () => measureAboveOne(word.slice(0, -1)) }])
}

/** Stem one word as NLTK's `PorterStemmer().stem(word)` does (lower-casing it first, as NLTK's default does). */
export function porterStem(word: string): string {
  const lower = word.toLowerCase()
  // NLTK looks the original (not lower-cased) word up in the pool.
  const irregular = POOL.get(word)
  if (irregular !== undefined) return irregular
  // Words of 1 or 2 letters are returned unchanged (NLTK and Porter's own implementations).
  if (word.length <= 2) return lower
  let stem = step1a(lower)
  stem = step1b(stem)
  stem = step1c(stem)
  stem = step2(stem)
  stem = applyRuleList(stem, STEP3_RULES)
  stem = applyRuleList(stem, STEP4_RULES)
  stem = step5a(stem)
  return step5b(stem)
}
