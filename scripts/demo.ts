/**
 * `npm run demo`: Laurel with a fake Open edX LMS and a fake catalog service, in one process, with the
 * catalog copied — a populated system to click through. Sign in as `learner` (or `edx`, an
 * administrator) with any password. Data goes to DATABASE_URL (default `pglite:./data/demo`).
 */
import { buildApp } from '../src/app.ts';
import { defaultSiteDomain, loadConfig } from '../src/config.ts';
import { CLI_ACTOR } from '../src/modules/audit/audit.service.ts';
import { startFakeCatalog } from '../test/fake-upstream/catalog.ts';
import { SERVICE_CLIENT, SSO_CLIENT, startFakeLms } from '../test/fake-upstream/lms.ts';

const port = Number(process.env.PORT ?? 8150);
const publicUrl = process.env.PUBLIC_URL ?? `http://localhost:${port}`;
const lms = await startFakeLms({
  port: Number(process.env.DEMO_LMS_PORT ?? 9000),
  redirectUris: [`${publicUrl}/login/callback/`],
});
const catalog = await startFakeCatalog({ port: Number(process.env.DEMO_CATALOG_PORT ?? 9100) });

const config = loadConfig({
  ...process.env,
  PORT: String(port),
  PUBLIC_URL: publicUrl,
  DATABASE_URL: process.env.DATABASE_URL ?? 'pglite:./data/demo',
  DATA_DIR: process.env.DATA_DIR ?? './data',
  JWT_ISSUERS: JSON.stringify([{ issuer: lms.issuer, audience: 'laurel', jwksUri: lms.jwksUri }]),
});
const app = await buildApp(config);
const { sites, catalog: catalogService } = app.laurel.services;
const site = await sites.update(
  defaultSiteDomain(config),
  {
    platformName: 'Laurel Demo Academy',
    lmsUrl: lms.url,
    catalogApiUrl: catalog.apiUrl,
    ssoClientId: SSO_CLIENT.id,
    ssoClientSecret: SSO_CLIENT.secret,
    oauthClientId: SERVICE_CLIENT.id,
    oauthClientSecret: SERVICE_CLIENT.secret,
  },
  CLI_ACTOR,
);
const report = await catalogService.syncSite(site, { delete: true }, CLI_ACTOR);
await app.listen({ port: config.port, host: config.host });

console.log(`\nLaurel demo at ${publicUrl}/  (API reference: ${publicUrl}/api/docs/)`);
console.log(`Fake LMS at ${lms.url}, fake catalog at ${catalog.apiUrl}`);
console.log(
  `Catalog copied: ${report.tallies.programs.created + report.tallies.programs.updated + report.tallies.programs.unchanged} programs, ` +
    `${report.tallies.course_runs.created + report.tallies.course_runs.updated + report.tallies.course_runs.unchanged} course runs.`,
);
console.log('Sign in as "learner", or "edx" (an administrator), with any password. Ctrl-C stops everything.');

const stop = () => {
  void app
    .close()
    .then(() => Promise.all([lms.stop(), catalog.stop()]))
    .then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
