// The project's root, found from this file, so views and public assets resolve the same under tsx,
// jest and the compiled dist/ build.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${start}`);
    dir = parent;
  }
  return dir;
}

export const projectRoot = findRoot(path.dirname(fileURLToPath(import.meta.url)));
export const viewsDir = path.join(projectRoot, 'views');
export const publicDir = path.join(projectRoot, 'public');
// @simplewebauthn/browser's browser bundle (window.SimpleWebAuthnBrowser), served from the site's own
// origin (the CSP allows scripts from 'self' only). Its package exports only its entry, so the bundle is
// found beside it.
export const passkeyBrowserBundle = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')),
  '..',
  'dist',
  'bundle',
  'index.umd.min.js',
);
