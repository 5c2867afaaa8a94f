/**
 * The tasks of the built-in instruction suite. Each is a rule over a short list of common words, stated in a
 * natural-language definition, in the spirit of the synthetic "mini-SNI" of tagi-method.md §10.2: six
 * categories of training tasks (the groups that get a teacher LoRA each) and held-out tasks whose
 * definitions combine or rephrase what the training tasks teach, so that generalisation from the
 * instruction alone can be measured (e.g. train "reverse" and "capital letters", test "reverse, in capital
 * letters"). Inputs stay under 12 words and outputs under 12 words, so a tiny T5 can learn them on a CPU.
 */
import type { Rng } from '../random.ts'
import { ALL_WORDS, capitalize, groupOf, sentence, sentenceWithGroup, WORD_GROUPS } from './words.ts'

export interface SuiteTaskSpec {
  name: string
  split: 'train' | 'test'
  categories: string[]
  definition: string
  /** Draw one input as a list of words. */
  draw(rng: Rng): string[]
  /** The rule: the one correct output for those words. */
  solve(words: string[]): string
  /** Explanation of a positive example; `{input}` and `{output}` are filled in. */
  explain: string
}

const REORDER = 'Word Reordering'
const CASE = 'Case Conversion'
const SELECT = 'Word Selection'
const COUNT = 'Counting'
const CLASSIFY = 'Classification'
const FILTER = 'Word Filtering'

const join = (words: string[]): string => words.join(' ')
const sortWords = (words: string[]): string[] => [...words].sort()
const yesNo = (value: boolean): string => (value ? 'yes' : 'no')
const inGroup = (group: keyof typeof WORD_GROUPS) => (word: string): boolean => groupOf(word) === group

/** Half the inputs contain 1-2 words of the group and half none, so yes/no labels are balanced. */
const balanced = (group: keyof typeof WORD_GROUPS) => (rng: Rng): string[] =>
  sentenceWithGroup(rng, rng.int(3, 7), group, rng.chance(0.5) ? rng.int(1, 3) : 0)

/** Words with some repeated (for the duplicate-removal rule). */
function withRepeats(rng: Rng): string[] {
  const words = sentence(rng, 3, 5)
  const repeats = rng.int(1, 3)
  for (let i = 0; i < repeats; i++) words.splice(rng.int(1, words.length + 1), 0, rng.pick(words))
  return words
}

/** Random casing per word (UPPER, Capitalized or lower), at least one word not lower case. */
function mixedCase(rng: Rng): string[] {
  const words = sentence(rng, 3, 6).map((w) => rng.pick([w.toUpperCase(), capitalize(w), w]))
  if (words.every((w) => w === w.toLowerCase())) words[0] = words[0]!.toUpperCase()
  return words
}

function longestWord(words: string[]): string {
  return words.reduce((best, word) => (word.length > best.length ? word : best))
}

export const SUITE_TASKS: SuiteTaskSpec[] = [
  // ---- training tasks: Word Reordering
  { name: 'tagi001_reverse_words', split: 'train', categories: [REORDER], definition: 'Write the words of the input in reverse order.',
    draw: (rng) => sentence(rng, 3, 7), solve: (w) => join([...w].reverse()), explain: 'Reading the words of "{input}" from last to first gives "{output}".' },
  { name: 'tagi002_sort_words', split: 'train', categories: [REORDER], definition: 'Sort the words of the input in alphabetical order.',
    draw: (rng) => sentence(rng, 3, 7), solve: (w) => join(sortWords(w)), explain: 'In alphabetical order the words of "{input}" are "{output}".' },
  { name: 'tagi003_swap_first_last', split: 'train', categories: [REORDER], definition: 'Swap the first word and the last word of the input. Keep the other words where they are.',
    draw: (rng) => sentence(rng, 3, 7), solve: (w) => join([w.at(-1)!, ...w.slice(1, -1), w[0]!]), explain: 'Exchanging the first and the last word of "{input}" gives "{output}".' },
  { name: 'tagi004_move_first_to_end', split: 'train', categories: [REORDER], definition: 'Move the first word of the input to the end.',
    draw: (rng) => sentence(rng, 3, 7), solve: (w) => join([...w.slice(1), w[0]!]), explain: 'Taking the first word of "{input}" and putting it last gives "{output}".' },
  // ---- Case Conversion
  { name: 'tagi005_uppercase', split: 'train', categories: [CASE], definition: 'Write the input in capital letters.',
    draw: (rng) => sentence(rng, 2, 6), solve: (w) => join(w).toUpperCase(), explain: 'Every letter of "{input}" written as a capital letter gives "{output}".' },
  { name: 'tagi006_capitalize_words', split: 'train', categories: [CASE], definition: 'Write the input with the first letter of every word in capital letters.',
    draw: (rng) => sentence(rng, 2, 6), solve: (w) => join(w.map(capitalize)), explain: 'Each word of "{input}" starts with a capital letter in "{output}".' },
  { name: 'tagi007_lowercase', split: 'train', categories: [CASE], definition: 'Write the input in small letters.',
    draw: mixedCase, solve: (w) => join(w).toLowerCase(), explain: 'Every letter of "{input}" written as a small letter gives "{output}".' },
  // ---- Word Selection
  { name: 'tagi008_first_word', split: 'train', categories: [SELECT], definition: 'Write the first word of the input.',
    draw: (rng) => sentence(rng, 2, 7), solve: (w) => w[0]!, explain: 'The input "{input}" starts with the word "{output}".' },
  { name: 'tagi009_last_word', split: 'train', categories: [SELECT], definition: 'Write the last word of the input.',
    draw: (rng) => sentence(rng, 2, 7), solve: (w) => w.at(-1)!, explain: 'The input "{input}" ends with the word "{output}".' },
  { name: 'tagi010_longest_word', split: 'train', categories: [SELECT], definition: 'Write the longest word of the input. If several words are equally long, write the first of them.',
    draw: (rng) => sentence(rng, 2, 6), solve: longestWord, explain: 'No word of "{input}" is longer than "{output}", and no word of that length comes before it.' },
  { name: 'tagi011_find_animal', split: 'train', categories: [SELECT], definition: 'The input mentions exactly one animal. Write that animal.',
    draw: (rng) => sentenceWithGroup(rng, rng.int(3, 7), 'animal', 1), solve: (w) => w.find(inGroup('animal'))!, explain: 'The only animal in "{input}" is "{output}".' },
  // ---- Counting
  { name: 'tagi012_count_words', split: 'train', categories: [COUNT], definition: 'Count the words in the input. Answer with a number.',
    draw: (rng) => sentence(rng, 1, 9), solve: (w) => String(w.length), explain: 'The input "{input}" has {output} words.' },
  { name: 'tagi013_count_letters', split: 'train', categories: [COUNT], definition: 'Count the letters of the given word. Answer with a number.',
    draw: (rng) => [rng.pick(ALL_WORDS)], solve: (w) => String(w[0]!.length), explain: 'The word "{input}" has {output} letters.' },
  { name: 'tagi014_count_colors', split: 'train', categories: [COUNT], definition: 'Count how many color words the input contains. Answer with a number.',
    draw: (rng) => sentenceWithGroup(rng, rng.int(3, 8), 'color', rng.int(0, 4)), solve: (w) => String(w.filter(inGroup('color')).length),
    explain: 'The input "{input}" contains {output} color words.' },
  // ---- Classification
  { name: 'tagi015_contains_animal', split: 'train', categories: [CLASSIFY], definition: 'Answer yes if the input mentions an animal, otherwise answer no.',
    draw: balanced('animal'), solve: (w) => yesNo(w.some(inGroup('animal'))), explain: 'The answer for "{input}" is "{output}" because of whether an animal word appears in it.' },
  { name: 'tagi016_word_kind', split: 'train', categories: [CLASSIFY], definition: 'Say what kind of thing the given word names: animal, color, food, number or object.',
    draw: (rng) => [rng.pick(ALL_WORDS)], solve: (w) => groupOf(w[0]!), explain: 'The word "{input}" names a kind of {output}.' },
  { name: 'tagi017_contains_number', split: 'train', categories: [CLASSIFY], definition: 'Answer yes if the input contains a number word such as one or two, otherwise answer no.',
    draw: balanced('number'), solve: (w) => yesNo(w.some(inGroup('number'))), explain: 'The answer for "{input}" is "{output}" because of whether a number word appears in it.' },
  // ---- Word Filtering
  { name: 'tagi018_remove_colors', split: 'train', categories: [FILTER], definition: 'Remove every color word from the input and write the remaining words.',
    draw: (rng) => sentenceWithGroup(rng, rng.int(3, 8), 'color', rng.int(1, 3)), solve: (w) => join(w.filter((x) => !inGroup('color')(x))),
    explain: 'Without its color words, "{input}" becomes "{output}".' },
  { name: 'tagi019_remove_first_word', split: 'train', categories: [FILTER], definition: 'Delete the first word of the input and write the rest.',
    draw: (rng) => sentence(rng, 2, 7), solve: (w) => join(w.slice(1)), explain: 'Without its first word, "{input}" becomes "{output}".' },
  { name: 'tagi020_remove_repeats', split: 'train', categories: [FILTER], definition: 'Remove repeated words from the input, keeping only the first time each word appears.',
    draw: withRepeats, solve: (w) => join([...new Set(w)]), explain: 'Keeping each word of "{input}" only once gives "{output}".' },
  { name: 'tagi021_keep_foods', split: 'train', categories: [FILTER], definition: 'Write only the food words of the input, in the order they appear.',
    draw: (rng) => sentenceWithGroup(rng, rng.int(3, 8), 'food', rng.int(1, 4)), solve: (w) => join(w.filter(inGroup('food'))),
    explain: 'The food words of "{input}" are "{output}".' },

  // ---- held-out tasks: each combines or rephrases training rules
  { name: 'tagi101_reverse_then_uppercase', split: 'test', categories: [REORDER, CASE], definition: 'Write the words of the input in reverse order, in capital letters.',
    draw: (rng) => sentence(rng, 3, 6), solve: (w) => join([...w].reverse()).toUpperCase(), explain: 'Reversing "{input}" and writing it in capital letters gives "{output}".' },
  { name: 'tagi102_last_word_uppercase', split: 'test', categories: [SELECT, CASE], definition: 'Write the last word of the input in capital letters.',
    draw: (rng) => sentence(rng, 2, 7), solve: (w) => w.at(-1)!.toUpperCase(), explain: 'The last word of "{input}" in capital letters is "{output}".' },
  { name: 'tagi103_count_animals', split: 'test', categories: [COUNT], definition: 'Count how many animal words the input contains. Answer with a number.',
    draw: (rng) => sentenceWithGroup(rng, rng.int(3, 8), 'animal', rng.int(0, 4)), solve: (w) => String(w.filter(inGroup('animal')).length),
    explain: 'The input "{input}" contains {output} animal words.' },
  { name: 'tagi104_contains_color', split: 'test', categories: [CLASSIFY], definition: 'Answer yes if the input mentions a color, otherwise answer no.',
    draw: balanced('color'), solve: (w) => yesNo(w.some(inGroup('color'))), explain: 'The answer for "{input}" is "{output}" because of whether a color word appears in it.' },
  { name: 'tagi105_remove_animals', split: 'test', categories: [FILTER], definition: 'Remove every animal word from the input and write the remaining words.',
    draw: (rng) => sentenceWithGroup(rng, rng.int(3, 8), 'animal', rng.int(1, 3)), solve: (w) => join(w.filter((x) => !inGroup('animal')(x))),
    explain: 'Without its animal words, "{input}" becomes "{output}".' },
  { name: 'tagi106_first_in_alphabetical_order', split: 'test', categories: [SELECT, REORDER], definition: 'Sort the words of the input in alphabetical order and write only the first one.',
    draw: (rng) => sentence(rng, 3, 7), solve: (w) => sortWords(w)[0]!, explain: 'Of the words of "{input}", "{output}" comes first in alphabetical order.' },
  { name: 'tagi107_remove_last_word', split: 'test', categories: [FILTER], definition: 'Delete the last word of the input and write the rest.',
    draw: (rng) => sentence(rng, 2, 7), solve: (w) => join(w.slice(0, -1)), explain: 'Without its last word, "{input}" becomes "{output}".' },
  { name: 'tagi108_remove_colors_then_reverse', split: 'test', categories: [FILTER, REORDER], definition: 'Remove every color word from the input, then write the remaining words in reverse order.',
    draw: (rng) => sentenceWithGroup(rng, rng.int(3, 8), 'color', rng.int(1, 3)), solve: (w) => join(w.filter((x) => !inGroup('color')(x)).reverse()),
    explain: 'Removing the color words of "{input}" and reversing the rest gives "{output}".' },
]
