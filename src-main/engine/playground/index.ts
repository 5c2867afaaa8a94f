/** The instruction playground's engine side: user instructions → generated adapters, their export, saved instructions. */
export { checkInstruction, generateFromInstruction, instructionPrompt, instructionTask, USER_TASK_NAME, type GeneratedFromInstruction, type UserExample, type UserInstruction } from './user-instruction.ts'
export { GENERATION_FILE, generatedPeftAdapter, INSTRUCTION_MEMORY_FILE, readGenerationInfo, saveGeneratedAdapter, type GenerationInfo, type SavedAdapter } from './export-adapter.ts'
export { InstructionStore, INSTRUCTIONS_DIR, instructionId, SavedInstructionSchema, type InstructionDraft, type SavedInstruction } from './instruction-store.ts'
