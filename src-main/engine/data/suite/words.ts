/**
 * The vocabulary of the built-in instruction suite: a few dozen common English nouns in named groups.
 * Small on purpose: a tiny T5 trained from scratch on a CPU must see every word many times, and the groups
 * (animals, colors, foods, number words, objects) give the suite rules that need word meaning ("remove the
 * color words"), not only position, so a held-out task can reuse a concept taught by another task.
 */
import type { Rng } from '../random.ts'

export const WORD_GROUPS = {
  animal: ['cat', 'dog', 'bird', 'fish', 'horse', 'cow', 'duck', 'frog', 'goat', 'pig'],
  color: ['red', 'blue', 'green', 'yellow', 'black', 'white', 'pink', 'brown'],
  food: ['apple', 'bread', 'cake', 'rice', 'milk', 'egg', 'soup', 'pie'],
  number: ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'],
  object: ['house', 'tree', 'car', 'book', 'sun', 'moon', 'ship', 'door', 'road', 'hat', 'box', 'cup'],
} as const

export type WordGroup = keyof typeof WORD_GROUPS

export const ALL_WORDS: readonly string[] = Object.values(WORD_GROUPS).flat()
// A word in two groups would make the group rules ambiguous.
if (new Set(ALL_WORDS).size !== ALL_WORDS.length) throw new Error('suite: a word appears in two vocabulary groups')

const GROUP_OF = new Map<string, WordGroup>(
  (Object.entries(WORD_GROUPS) as [WordGroup, readonly string[]][]).flatMap(([group, words]) => words.map((w) => [w, group] as const)),
)

export function groupOf(word: string): WordGroup {
  const group = GROUP_OF.get(word.toLowerCase())
  if (!group) throw new Error(`suite: '${word}' is not in the suite vocabulary`)
  return group
}

export function wordsOutside(groups: readonly WordGroup[]): string[] {
  return ALL_WORDS.filter((word) => !groups.includes(groupOf(word)))
}

/** A sentence of `min`..`max` distinct words from the whole vocabulary. */
export function sentence(rng: Rng, min: number, max: number): string[] {
  return rng.sample(ALL_WORDS, rng.int(min, max + 1))
}

/**
 * A sentence of `length` distinct words with exactly `inGroup` words from `group` (placed at random).
 * Used by the rules that select, count or remove one group.
 */
export function sentenceWithGroup(rng: Rng, length: number, group: WordGroup, inGroup: number): string[] {
  const members = rng.sample(WORD_GROUPS[group], inGroup)
  const others = rng.sample(wordsOutside([group]), length - inGroup)
  return rng.shuffle([...members, ...others])
}

export function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1)
}
