import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { CLI_ACTOR } from '../../src/modules/audit/audit.service.ts';
import { type FakeLms, SERVICE_CLIENT, SSO_CLIENT, startFakeLms } from '../fake-upstream/lms.ts';
import { type TestApp, createTestApp } from './app.ts';

export interface LaurelWithLms {
  laurel: TestApp;
  lms: FakeLms;
  /** Laurel's base URL on the default site (`localhost`). */
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * Laurel listening on a real port, with the fake LMS as its JWT issuer and sign-in provider for the
 * `localhost` site, as an operator would set it up.
 */
export async function startLaurelWithLms(env: Record<string, string> = {}): Promise<LaurelWithLms> {
  const { createServer } = await import('node:net');
  // Reserve a port for Laurel first: the LMS must know the redirect URI.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  const url = `http://localhost:${port}`;
  const lms = await startFakeLms({ redirectUris: [`${url}/login/callback/`] });
  const laurel = await createTestApp({
    PUBLIC_URL: url,
    JWT_ISSUERS: JSON.stringify([{ issuer: lms.issuer, audience: 'laurel', jwksUri: lms.jwksUri }]),
    ...env,
  });
  await laurel.app.laurel.services.sites.update(
    'localhost',
    {
      lmsUrl: lms.url,
      ssoClientId: SSO_CLIENT.id,
      ssoClientSecret: SSO_CLIENT.secret,
      oauthClientId: SERVICE_CLIENT.id,
      oauthClientSecret: SERVICE_CLIENT.secret,
    },
    CLI_ACTOR,
  );
  await laurel.app.listen({ port, host: '127.0.0.1' });
  return {
    laurel,
    lms,
    url,
    app: laurel.app,
    async close() {
      await laurel.close();
      await lms.stop();
    },
  };
}
