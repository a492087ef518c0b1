import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInUpToCallback } from '../../../test/helpers/http-sign-in.ts';
import { type LaurelWithLms, startLaurelWithLms } from '../../../test/helpers/laurel-with-lms.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';

/** The fake LMS is also a standard OpenID Connect provider, found by discovery from its issuer URL. */
describe('sign-in through a generic OpenID Connect provider', () => {
  let env: LaurelWithLms;

  beforeAll(async () => {
    env = await startLaurelWithLms();
    await env.app.laurel.services.sites.update('localhost', { oidcDiscoveryUrl: env.lms.issuer }, CLI_ACTOR);
  });
  afterAll(() => env?.close());

  async function completeSignIn(username: string) {
    const { callback, loginCookie } = await signInUpToCallback(env.url, username, '/api/v2/users/me/');
    expect(callback.searchParams.get('iss')).toBe(env.lms.issuer);
    const response = await fetch(callback, { redirect: 'manual', headers: { cookie: loginCookie } });
    const session = response.headers
      .getSetCookie()
      .find((c) => c.startsWith('laurel_session='))
      ?.split(';')[0];
    return { response, session };
  }

  it('signs in with discovery, PKCE, state and nonce, and takes the user from user info', async () => {
    const { response, session } = await completeSignIn('learner');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/api/v2/users/me/');
    const me = await fetch(`${env.url}/api/v2/users/me/`, { headers: { cookie: session ?? '' } });
    expect(await me.json()).toMatchObject({ username: 'learner', roles: [], authenticated_by: 'session' });
    const user = await env.app.laurel.services.users.getByUsername('learner');
    expect(user).toMatchObject({ email: 'learner@example.com', fullName: 'Lee Learner' });
  });

  it('grants no admin role from an OpenID Connect sign-in by itself', async () => {
    const { session } = await completeSignIn('edx');
    const me = await fetch(`${env.url}/api/v2/users/me/`, { headers: { cookie: session ?? '' } });
    expect(await me.json()).toMatchObject({ username: 'edx', roles: [] });
  });

  it('offers the provider end-session endpoint at sign-out', async () => {
    const { session } = await completeSignIn('learner');
    const response = await fetch(`${env.url}/logout/`, {
      redirect: 'manual',
      headers: { cookie: session ?? '' },
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${env.lms.issuer}/session/end`);
  });
});
