/** Renderer entry: connect to the engine (Electron IPC or the browser mode's WebSocket), build the managers, mount the shell. */
import { mount } from 'svelte'
import App from './App.svelte'
import './app.css'
import { connectStudio } from './lib/api/connect.ts'
import { createStudio } from './lib/managers/studio.svelte.ts'

const target = document.getElementById('app')
if (!target) throw new Error('index.html has no #app element')

try {
  mount(App, { target, props: { studio: createStudio(connectStudio()) } })
} catch (error) {
  // No token, or no way to reach the engine: say so on the page instead of showing a blank window.
  const message = document.createElement('p')
  message.className = 'error'
  message.textContent = `TAGI Studio cannot start: ${(error as Error).message}`
  target.replaceChildren(message)
}
