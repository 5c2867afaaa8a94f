/**
 * Which page is shown. The page lives in the URL hash (`#/settings`), so reload, back/forward and links
 * all work; Alt+1…6 jump to the pages in nav order.
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
  const id = hash.replace(/^#\/?/, '')
  return PAGES.find((page) => page.id === id)?.id ?? 'datasets'
}

export class NavigationManager {
  current = $state<PageId>(pageFromHash(location.hash))
  title = $derived(PAGES.find((page) => page.id === this.current)?.title ?? '')

  constructor() {
    window.addEventListener('hashchange', () => (this.current = pageFromHash(location.hash)))
  }

  href(id: PageId): string {
    return `#/${id}`
  }

  go(id: PageId): void {
    location.hash = this.href(id)
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
