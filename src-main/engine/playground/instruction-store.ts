/**
 * Saved Playground instructions: one small JSON file per instruction in `<workspace>/instructions/`, written
 * atomically (write, fsync, rename; store/atomic.ts), named by a slug of its name so files stay readable and
 * diff-friendly (Kiln's one-file-per-item model, anchors.md §2.3). Read leniently: a file that does not
 * parse is listed as unreadable with the reason, never dropped silently or allowed to break the list.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { writeJsonAtomic } from '../store/atomic.ts'

export const INSTRUCTIONS_DIR = 'instructions'

export const SavedInstructionSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  name: z.string().min(1),
  definition: z.string(),
  examples: z.array(z.object({ input: z.string(), output: z.string() })).default([]),
  /** Inputs the user tried, so a reload brings the whole experiment back. */
  inputs: z.array(z.string()).default([]),
  /** The hypernetwork run last used with it, if any. */
  hyper: z.string().nullable().default(null),
  createdAt: z.string(),
  updatedAt: z.string(),
})
export type SavedInstruction = z.output<typeof SavedInstructionSchema>
export type InstructionDraft = Omit<SavedInstruction, 'id' | 'createdAt' | 'updatedAt'>

/** A file-name-safe id from a name ("Reverse the words!" → "reverse-the-words"). */
export function instructionId(name: string): string {
  const id = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 64)
  if (!id) throw new Error(`instruction name '${name}' has no letters or digits to name its file by`)
  return id
}

export class InstructionStore {
  readonly dir: string

  constructor(workspaceRoot: string) {
    this.dir = join(workspaceRoot, INSTRUCTIONS_DIR)
  }

  list(): { instructions: SavedInstruction[]; unreadable: { file: string; error: string }[] } {
    if (!existsSync(this.dir)) return { instructions: [], unreadable: [] }
    const instructions: SavedInstruction[] = []
    const unreadable: { file: string; error: string }[] = []
    for (const file of readdirSync(this.dir).filter((f) => f.endsWith('.json')).sort()) {
      try {
        const parsed = SavedInstructionSchema.safeParse(JSON.parse(readFileSync(join(this.dir, file), 'utf8')))
        if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '))
        instructions.push(parsed.data)
      } catch (error) {
        unreadable.push({ file, error: error instanceof Error ? error.message : String(error) })
      }
    }
    instructions.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
    return { instructions, unreadable }
  }

  /** Save under the name's id: a new file, or an update of the same name (its creation time kept). */
  save(draft: InstructionDraft): SavedInstruction {
    const id = instructionId(draft.name)
    const path = join(this.dir, `${id}.json`)
    const now = new Date().toISOString()
    let createdAt = now
    if (existsSync(path)) {
      const previous = SavedInstructionSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')))
      if (previous.success) createdAt = previous.data.createdAt
    }
    const record = SavedInstructionSchema.parse({ ...draft, id, createdAt, updatedAt: now })
    mkdirSync(this.dir, { recursive: true })
    writeJsonAtomic(path, record)
    return record
  }

  delete(id: string): void {
    const path = join(this.dir, `${instructionId(id)}.json`)
    if (!existsSync(path)) throw new Error(`no saved instruction '${id}' in ${this.dir}`)
    rmSync(path)
  }
}
