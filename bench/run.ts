/**
 * `npm run bench [-- <name>]`: Laurel's benchmarks. Each prints what it measured next to its target.
 * Run on a quiet machine; figures vary with load.
 */
import { benchCatalogSync } from './catalog-sync.ts';
import { benchCertificates } from './certificates.ts';
import { benchCredentials, type Measure } from './credentials.ts';

const which = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 'all';
const args = process.argv.slice(which === 'all' ? 2 : 3);

if (which === 'all' || which === 'catalog') {
  console.log('Catalog sync (generated catalog, page size 500)');
  const results = await benchCatalogSync(args);
  console.table(
    results.map((r) => ({
      engine: r.engine,
      'items copied': r.items,
      'full sync (s)': r.fullSeconds.toFixed(1),
      target: `≤ ${r.target} s`,
      met: r.fullSeconds <= r.target ? 'yes' : 'NO',
      'items/s': Math.round(r.items / r.fullSeconds),
      'no-change re-sync (s)': r.resyncSeconds.toFixed(1),
    })),
  );
}

if (which === 'all' || which === 'credentials') {
  console.log('Credentials API on PostgreSQL (1,000,000 credentials), next to a bare Fastify route');
  const results = await benchCredentials(args);
  printMeasures(results);
}

if (which === 'all' || which === 'certificates') {
  console.log('Certificate pages on PostgreSQL (1,000,000 credentials), next to a bare Fastify page');
  printMeasures(await benchCertificates(args), { ratio: true });
}

/** Laurel's figure next to the bare route's (and, with `ratio`, as a share of it) and the target. */
function printMeasures(results: Measure[], { ratio = false } = {}) {
  const figure = (value: number, unit: string) => `${value.toFixed(unit === 'ms' ? 2 : 0)} ${unit}`;
  console.table(
    results.map((r) => ({
      measure: r.name,
      Laurel: figure(r.laurel, r.unit),
      'bare Fastify': r.bare === null ? '' : figure(r.bare, r.unit),
      ...(ratio && { 'Laurel / bare': r.bare ? `${Math.round((100 * r.laurel) / r.bare)}%` : '' }),
      target: r.target,
      met: r.target === '' ? '' : r.met ? 'yes' : 'NO',
    })),
  );
}
