/**
 * SNI's exact match (allenai/natural-instructions `eval/automatic/evaluation.py`, the SQuAD-style
 * `normalize_answer` without article removal): lower-case, delete every character of Python's
 * `string.punctuation`, collapse whitespace runs to one space, strip; 1 when the normalised prediction equals
 * a normalised reference, maximum over references.
 */

/** Python's `string.punctuation`: the 32 ASCII punctuation characters. */
const PYTHON_PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~')

/**
 * What Python's `str.split()` (no argument) splits on: the characters for which `str.isspace()` is true.
 * JavaScript's `\s` differs (it includes U+FEFF, excludes U+001C–U+001F and U+0085), so the set is spelled out.
 */
const PYTHON_WHITESPACE = '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]'
const PYTHON_WHITESPACE_RUN = new RegExp(`${PYTHON_WHITESPACE}+`)
const PYTHON_STRIP = new RegExp(`^${PYTHON_WHITESPACE}+|${PYTHON_WHITESPACE}+$`, 'g')

/** Python's `str.strip()`: removes leading and trailing Python whitespace (which differs from `String.trim`). */
export function pythonStrip(text: string): string {
  return text.replace(PYTHON_STRIP, '')
}

/** `white_space_fix(remove_punc(lower(s)))` of SNI's evaluation. */
export function normalizeAnswer(text: string): string {
  const withoutPunctuation = Array.from(text.toLowerCase())
    .filter((ch) => !PYTHON_PUNCTUATION.has(ch))
    .join('')
  return withoutPunctuation
    .split(PYTHON_WHITESPACE_RUN)
    .filter((part) => part.length > 0)
    .join(' ')
}

/** 1 when the normalised prediction equals some normalised reference, else 0. */
export function exactMatch(prediction: string, references: readonly string[]): number {
  const normalized = normalizeAnswer(prediction)
  return references.some((reference) => normalizeAnswer(reference) === normalized) ? 1 : 0
}
