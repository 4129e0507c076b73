// Production starts the app with the Dockerfile's CMD (.ci/image replays it, the README quotes it). The
// bench and the tests read the node flags from there, so they run what production runs.
import { readFileSync } from 'node:fs';

const DOCKERFILE = new URL('../Dockerfile', import.meta.url);

/** The Dockerfile's CMD, e.g. ["node", "--max-old-space-size=…", "dist/src/server.js"]. */
export function productionCommand(dockerfile: URL = DOCKERFILE): string[] {
  const cmd = [...readFileSync(dockerfile, 'utf8').matchAll(/^CMD (\[.*\])$/gm)].pop();
  if (!cmd) throw new Error(`${dockerfile.pathname}: no CMD in exec form`);
  return JSON.parse(cmd[1]!) as string[];
}

/** The node flags of the production command: what comes between "node" and the script. */
export function productionNodeFlags(dockerfile: URL = DOCKERFILE): string[] {
  const [node, ...rest] = productionCommand(dockerfile);
  if (node !== 'node' || !rest.at(-1)?.endsWith('.js'))
    throw new Error(`the Dockerfile's CMD is not "node [flags] script.js": ${JSON.stringify([node, ...rest])}`);
  return rest.slice(0, -1);
}
