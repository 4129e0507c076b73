// EJS for Express. Views include each other by their path in views/ ("/partials/head"), resolved
// against the views folder: a relative include would be looked for on disk at every render.
import ejs from 'ejs';
import { viewsDir } from './paths.js';

/** Express's view engine: `cache` is Express's "view cache" setting (on in production). */
export function renderView(file: string, data: object, callback: (err: Error | null, html?: string) => void): void {
  ejs.renderFile(file, data, { root: viewsDir, cache: (data as { cache?: unknown }).cache === true }, (err, html) => callback(err, html));
}
