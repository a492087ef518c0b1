/**
 * The settings of a site that operators set, described once: the CLI builds its flags from this list,
 * and input from any entry point is validated against it.
 */
import { ValidationError } from '../../platform/errors.ts';
import { COURSE_MODES } from '../credentials/credentials.schema.ts';

type FieldKind = 'domain' | 'text' | 'url' | 'email' | 'language' | 'boolean' | 'secret' | 'modes';

export interface SiteFieldSpec {
  /** The property name on a site. */
  key: SiteSettingKey;
  /** The CLI flag, without dashes; also the snake_case API name with dashes turned into underscores. */
  flag: string;
  kind: FieldKind;
  description: string;
  maxLength?: number;
}

export type SiteSettingKey =
  | 'domain'
  | 'name'
  | 'platformName'
  | 'companyName'
  | 'lmsUrl'
  | 'catalogApiUrl'
  | 'oauthClientId'
  | 'oauthClientSecret'
  | 'ssoClientId'
  | 'ssoClientSecret'
  | 'oidcDiscoveryUrl'
  | 'theme'
  | 'homepageUrl'
  | 'tosUrl'
  | 'privacyPolicyUrl'
  | 'certificateHelpUrl'
  | 'recordsHelpUrl'
  | 'senderAddress'
  | 'defaultLanguage'
  | 'recordsEnabled'
  | 'enableLinkedinSharing'
  | 'enableTwitterSharing'
  | 'enableFacebookSharing'
  | 'facebookAppId'
  | 'twitterUsername'
  | 'searchIndexing'
  | 'programCompletionModes'
  | 'autoAwardPrograms'
  | 'revokeProgramsWithCourses';

export type SiteSettings = {
  [K in SiteSettingKey]: K extends
    | 'recordsEnabled'
    | 'enableLinkedinSharing'
    | 'enableTwitterSharing'
    | 'enableFacebookSharing'
    | 'searchIndexing'
    | 'autoAwardPrograms'
    | 'revokeProgramsWithCourses'
    ? boolean
    : K extends
          | 'domain'
          | 'name'
          | 'platformName'
          | 'companyName'
          | 'theme'
          | 'defaultLanguage'
          | 'programCompletionModes'
      ? string
      : string | null;
};

export const SITE_FIELDS: readonly SiteFieldSpec[] = [
  {
    key: 'domain',
    flag: 'domain',
    kind: 'domain',
    description: 'Host name the site answers on, e.g. credentials.example.org',
  },
  {
    key: 'name',
    flag: 'name',
    kind: 'text',
    maxLength: 255,
    description: 'Name of the site, shown to administrators',
  },
  {
    key: 'platformName',
    flag: 'platform-name',
    kind: 'text',
    maxLength: 255,
    description: 'Name of the learning platform shown to learners, e.g. "Example Academy"',
  },
  {
    key: 'companyName',
    flag: 'company-name',
    kind: 'text',
    maxLength: 255,
    description: 'Legal name of the organization running the platform',
  },
  { key: 'lmsUrl', flag: 'lms-url', kind: 'url', description: 'Base URL of the LMS (login, user API)' },
  {
    key: 'catalogApiUrl',
    flag: 'catalog-api-url',
    kind: 'url',
    description: 'Root of the catalog API, e.g. https://discovery.example.org/api/v1/',
  },
  {
    key: 'oauthClientId',
    flag: 'oauth-client-id',
    kind: 'text',
    maxLength: 255,
    description: 'OAuth2 client id for service calls to the LMS and catalog (client credentials)',
  },
  {
    key: 'oauthClientSecret',
    flag: 'oauth-client-secret',
    kind: 'secret',
    description: 'OAuth2 client secret for service calls (never shown again once set)',
  },
  {
    key: 'ssoClientId',
    flag: 'sso-client-id',
    kind: 'text',
    maxLength: 255,
    description: 'OAuth2/OIDC client id for browser sign-in (authorization code)',
  },
  {
    key: 'ssoClientSecret',
    flag: 'sso-client-secret',
    kind: 'secret',
    description: 'Client secret for browser sign-in (never shown again once set)',
  },
  {
    key: 'oidcDiscoveryUrl',
    flag: 'oidc-discovery-url',
    kind: 'url',
    description:
      "Sign in through an OpenID Connect provider: its issuer URL. Unset: through the LMS's OAuth2",
  },
  {
    key: 'theme',
    flag: 'theme',
    kind: 'text',
    maxLength: 100,
    description: 'Theme name for pages and certificates',
  },
  { key: 'homepageUrl', flag: 'homepage-url', kind: 'url', description: 'Home page of the platform' },
  { key: 'tosUrl', flag: 'tos-url', kind: 'url', description: 'Terms of service' },
  { key: 'privacyPolicyUrl', flag: 'privacy-policy-url', kind: 'url', description: 'Privacy policy' },
  {
    key: 'certificateHelpUrl',
    flag: 'certificate-help-url',
    kind: 'url',
    description: 'Help page about certificates',
  },
  {
    key: 'recordsHelpUrl',
    flag: 'records-help-url',
    kind: 'url',
    description: 'Help page about learner records',
  },
  {
    key: 'senderAddress',
    flag: 'sender-address',
    kind: 'email',
    description: 'From: address of emails the site sends',
  },
  {
    key: 'defaultLanguage',
    flag: 'default-language',
    kind: 'language',
    description: 'Language of pages when a credential names none (BCP 47, e.g. en, es, pt-BR)',
  },
  {
    key: 'recordsEnabled',
    flag: 'records-enabled',
    kind: 'boolean',
    description: 'Learner records are available',
  },
  {
    key: 'enableLinkedinSharing',
    flag: 'enable-linkedin-sharing',
    kind: 'boolean',
    description: 'Offer "Add to LinkedIn" on certificates',
  },
  {
    key: 'enableTwitterSharing',
    flag: 'enable-twitter-sharing',
    kind: 'boolean',
    description: 'Offer sharing on X (Twitter)',
  },
  {
    key: 'enableFacebookSharing',
    flag: 'enable-facebook-sharing',
    kind: 'boolean',
    description: 'Offer sharing on Facebook (needs --facebook-app-id)',
  },
  {
    key: 'facebookAppId',
    flag: 'facebook-app-id',
    kind: 'text',
    maxLength: 32,
    description: 'Facebook app id for the share dialog',
  },
  {
    key: 'twitterUsername',
    flag: 'twitter-username',
    kind: 'text',
    maxLength: 15,
    description: 'Account named as "via" in X posts',
  },
  {
    key: 'searchIndexing',
    flag: 'search-indexing',
    kind: 'boolean',
    description: 'Let search engines index certificate pages (off: noindex)',
  },
  {
    key: 'programCompletionModes',
    flag: 'program-completion-modes',
    kind: 'modes',
    description: 'Course modes that count towards completing a program, comma-separated',
  },
  {
    key: 'autoAwardPrograms',
    flag: 'auto-award-programs',
    kind: 'boolean',
    description: 'Award program credentials when learners complete programs',
  },
  {
    key: 'revokeProgramsWithCourses',
    flag: 'revoke-programs-with-courses',
    kind: 'boolean',
    description: 'Revoke a program credential when a course credential it needs is revoked',
  },
];

/** Settings never shown or audited in clear. */
export const SECRET_SITE_FIELDS: readonly SiteSettingKey[] = SITE_FIELDS.filter(
  (f) => f.kind === 'secret',
).map((f) => f.key);

const DOMAIN = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/;
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const EMAIL = /^[^@\s<>"]{1,64}@[^@\s<>"]{1,253}$/;

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password;
  } catch {
    return false;
  }
}

/**
 * Checks and normalizes raw input (strings from the CLI, JSON from the API) into site settings.
 * Empty strings clear optional fields. Unknown keys are refused.
 */
export function parseSiteSettings(input: Record<string, unknown>): Partial<SiteSettings> {
  const byKey = new Map(SITE_FIELDS.map((f) => [f.key as string, f]));
  const errors: Record<string, string[]> = {};
  const settings: Record<string, unknown> = {};

  for (const [key, raw] of Object.entries(input)) {
    if (raw === undefined) continue;
    const field = byKey.get(key);
    if (!field) {
      errors[key] = ['Unknown setting.'];
      continue;
    }
    const fail = (message: string) => {
      errors[field.flag.replace(/-/g, '_')] = [message];
    };
    if (field.kind === 'boolean') {
      const value = typeof raw === 'string' ? { true: true, false: false }[raw.toLowerCase()] : raw;
      if (typeof value !== 'boolean') fail('Must be true or false.');
      else settings[key] = value;
      continue;
    }
    if (raw !== null && typeof raw !== 'string') {
      fail('Must be a string.');
      continue;
    }
    const text = (raw ?? '').trim();
    const required = field.kind === 'domain' || key === 'name';
    if (text === '') {
      if (required || field.kind === 'modes') fail('This field may not be blank.');
      else settings[key] = ['theme', 'platformName', 'companyName'].includes(key) ? '' : null;
      continue;
    }
    if (field.maxLength && text.length > field.maxLength) {
      fail(`Ensure this field has no more than ${field.maxLength} characters.`);
      continue;
    }
    switch (field.kind) {
      case 'domain': {
        const domain = text.toLowerCase();
        if (!DOMAIN.test(domain)) fail('Enter a valid host name (no scheme, port or path).');
        else settings[key] = domain;
        break;
      }
      case 'url':
        if (!isHttpUrl(text)) fail('Enter a valid http(s) URL without credentials.');
        else settings[key] = text;
        break;
      case 'email':
        if (!EMAIL.test(text)) fail('Enter a valid email address.');
        else settings[key] = text;
        break;
      case 'language':
        if (!LANGUAGE.test(text)) fail('Enter a language tag such as en, es or pt-BR.');
        else settings[key] = text;
        break;
      case 'modes': {
        const modes = [
          ...new Set(
            text
              .split(',')
              .map((mode) => mode.trim())
              .filter(Boolean),
          ),
        ];
        const unknown = modes.filter((mode) => !(COURSE_MODES as readonly string[]).includes(mode));
        if (unknown.length > 0) fail(`Unknown modes: ${unknown.join(', ')}. Use ${COURSE_MODES.join(', ')}.`);
        else settings[key] = modes.join(',');
        break;
      }
      default:
        settings[key] = text;
    }
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return settings as Partial<SiteSettings>;
}

/** Cross-field rules, checked on the settings a site would have after a change. */
export function checkSiteConsistency(
  site: Pick<SiteSettings, 'enableFacebookSharing' | 'facebookAppId'>,
): void {
  if (site.enableFacebookSharing && !site.facebookAppId) {
    throw ValidationError.field(
      'facebook_app_id',
      'A Facebook app id is required when Facebook sharing is enabled.',
    );
  }
}
