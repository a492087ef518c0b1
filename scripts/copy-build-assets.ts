/**
 * The second half of `npm run build`: tsc compiles `src/` to `dist/`, and this copies what the code
 * reads from beside itself at run time (page templates, certificate templates, static files), so that
 * `node dist/main.js` finds them where `src/main.ts` does.
 */
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../src/web/', import.meta.url));
const target = fileURLToPath(new URL('../dist/web/', import.meta.url));
cpSync(source, target, { recursive: true });
