/**
 * `npm run dev:upstream`: the fake LMS on http://127.0.0.1:9000 (FAKE_LMS_PORT to change), for trying
 * Laurel's sign-in and service calls without a real Open edX. Prints the settings to point Laurel at it.
 */
import { DEFAULT_USERS, SERVICE_CLIENT, SSO_CLIENT, startFakeLms } from './lms.ts';

const port = Number(process.env.FAKE_LMS_PORT ?? 9000);
const laurel = process.env.LAUREL_URL ?? 'http://localhost:8150';
const lms = await startFakeLms({ port, redirectUris: [`${laurel}/login/callback/`] });

console.log(`Fake LMS listening on ${lms.url}`);
console.log(`Users (sign in with any password): ${DEFAULT_USERS.map((u) => u.username).join(', ')}`);
console.log('\nStart Laurel with:');
console.log(
  `  JWT_ISSUERS='${JSON.stringify([{ issuer: lms.issuer, audience: 'laurel', jwksUri: lms.jwksUri }])}' npm start`,
);
console.log('and point the site at it (with the server stopped when using the embedded database):');
console.log(
  `  npx laurel sites update --domain localhost --lms-url ${lms.url} --sso-client-id ${SSO_CLIENT.id} ` +
    `--sso-client-secret ${SSO_CLIENT.secret} --oauth-client-id ${SERVICE_CLIENT.id} --oauth-client-secret ${SERVICE_CLIENT.secret}`,
);

const stop = () => void lms.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
