/**
 * Which page is shown. The page lives in the URL hash (`#/settings`), so reload, back/forward and links
 * all work; Alt+1…6 jump to the pages in nav order. A page may take one parameter after it
 * (`#/runs/<run id>`), so that links can point at one item of a page.
 */
export const PAGES = [
  { id: 'datasets', title: 'Datasets' },
  { id: 'runs', title: 'Runs' },
  { id: 'playground', title: 'Playground' },
  { id: 'adapters', title: 'Adapters' },
  { id: 'evaluation', title: 'Evaluation' },
  { id: 'settings', title: 'Settings' },
] as const

export type PageId = (typeof PAGES)[number]['id']

function pageFromHash(hash: string): PageId {
  const id = hash.replace(/^#\/?/, '').split('/')[0]
  return PAGES.find((page) => page.id === id)?.id ?? 'datasets'
}

function paramFromHash(hash: string): string | null {
  const rest = hash.replace(/^#\/?/, '').split('/').slice(1).join('/')
  return rest ? decodeURIComponent(rest) : null
}

export class NavigationManager {
  current = $state<PageId>(pageFromHash(location.hash))
  /** The item the URL points at inside the page (`#/runs/<id>` → the run id), or null. */
  param = $state<string | null>(paramFromHash(location.hash))
  title = $derived(PAGES.find((page) => page.id === this.current)?.title ?? '')

  constructor() {
    window.addEventListener('hashchange', () => {
      this.current = pageFromHash(location.hash)
      this.param = paramFromHash(location.hash)
    })
  }

  href(id: PageId, param?: string): string {
    return param ? `#/${id}/${encodeURIComponent(param)}` : `#/${id}`
  }

  go(id: PageId, param?: string): void {
    location.hash = this.href(id, param)
  }

  /** Alt+1…6: returns true when the key was a navigation shortcut. */
  handleShortcut(event: KeyboardEvent): boolean {
    if (!event.altKey || event.ctrlKey || event.metaKey) return false
    const index = Number(event.key) - 1
    const page = PAGES[index]
    if (!page) return false
    this.go(page.id)
    return true
  }
}
