/** What the pages other than Settings will hold (filled in by the features that build them). */
import type { PageId } from '../lib/managers/navigation.svelte.ts'

export interface PlannedPageContent {
  title: string
  lead: string
  planned: readonly string[]
  today?: string
}

export const PLANNED_PAGES: Record<Exclude<PageId, 'settings'>, PlannedPageContent> = {
  datasets: {
    title: 'Datasets',
    lead: 'Task collections in Super-NaturalInstructions format, imported into the workspace.',
    planned: [
      'Import SNI task files or the built-in instruction suite into the workspace',
      'Browse tasks: definition, positive and negative examples, instances',
      'Train / test task splits and their provenance',
    ],
    today: 'tagi dataset --help',
  },
  runs: {
    title: 'Runs',
    lead: 'Every stage of the TAGI pipeline is a run in the workspace, with its config, metrics and checkpoints.',
    planned: [
      'Start a stage: backbone pretraining, teacher LoRAs, hypernetwork pretraining and distillation',
      'Live loss curves, progress and ETA; stop and resume',
      'Run lineage: which dataset, backbone and teachers each run was built from',
    ],
  },
  playground: {
    title: 'Playground',
    lead: 'Type an instruction, generate its adapter, and run the model on your own inputs.',
    planned: ['Instruction → generated LoRA adapter in one forward pass', 'Side-by-side answers: backbone alone, with the generated adapter, with a teacher'],
  },
  adapters: {
    title: 'Adapters',
    lead: 'LoRA adapters: the teachers trained per task and the ones the hypernetwork generates.',
    planned: ['List, inspect and compare adapters', 'Export in PEFT format (adapter_config.json + adapter_model.safetensors)', 'Import a PEFT LoRA as a teacher'],
  },
  evaluation: {
    title: 'Evaluation',
    lead: 'Scores on held-out tasks with SNI ROUGE-L and exact match.',
    planned: ['Evaluate a run on the test tasks', 'Per-task tables and comparisons between runs'],
    today: 'tagi eval --help',
  },
}
