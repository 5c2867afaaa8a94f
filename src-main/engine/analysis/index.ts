/** Adapter analysis: compare LoRA updates ΔW module by module, their spectra, and nearest teachers. */
export { compareAdapters, toLowRankSet, type AdapterComparison, type AnalysisInput, type ComparisonMetric, type ComparisonSummary, type CompareOptions, type LowRankSet, type ModuleComparison } from './compare.ts'
export { rankNearest, NEAREST_METRICS, type NearestEntry, type NearestMetric, type NearestOptions, type NearestResult } from './nearest.ts'
export { checkSameShape, cosineSimilarity, denseDelta, deltaShape, frobeniusNorm, innerProduct, lowRankSet, lowRankUpdate, normRatio, rank, type AdapterSource, type LowRankUpdate } from './delta.ts'
export { deltaSpectrum, effectiveRank } from './spectrum.ts'
export { buildGrid, modulePosition, type ModuleGrid, type ModulePosition, type ModuleStack } from './grid.ts'
export { adapterDirsUnder, isAdapterDir, loadAdapterDir } from './load.ts'
export { singularValues, householderR, type Matrix } from './linalg.ts'
