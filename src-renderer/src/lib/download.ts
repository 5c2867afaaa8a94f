/**
 * Save text the engine built (CSV, JSONL) as a file: a Blob behind a temporary link with `download`, which
 * works the same in the browser mode and in Electron (which shows its save dialog for it).
 */
// Long enough for the browser to start reading the Blob; then its memory is released.
const REVOKE_AFTER_MS = 30_000

export function downloadText(fileName: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS)
}
