import { uuidHex } from '../../platform/ids.ts';
import type { PublicCredential } from '../credentials/shown-credentials.ts';
import type { Site } from '../sites/sites.service.ts';
import { assetPath } from './asset-path.ts';
import {
  CERTIFICATE_MESSAGES,
  type CertificateLanguage,
  certificateLanguage,
  fill,
  textDirection,
} from './certificate-messages.ts';
import { qrCodeSvg } from './qr-code.ts';

/**
 * What certificate templates see (documented in docs/certificates.md). Names are snake_case as in
 * the rest of Laurel's templates; every value is plain data, already localized, and escaped by Liquid
 * when output — except `qr_svg`, which Laurel generates itself.
 */
export interface CertificateView {
  lang: CertificateLanguage;
  dir: 'ltr' | 'rtl';
  t: Record<string, string>;
  site: { name: string; platform_name: string; company_name: string; twitter_username: string };
  /** The site lets search engines index certificate pages. */
  search_indexing: boolean;
  certificate: {
    id: string;
    url: string;
    /** The 1200×630 social card image (Open Graph, X), when the certificate has one. */
    card_url: string;
    /** The PDF, when this server can print one. */
    pdf_url: string;
    kind: 'program' | 'course-run';
    title: string;
    heading: string;
    program_type: string;
    program_type_slug: string;
    completed: string;
    /** "a program offered by X and Y, in collaboration with <platform>" in the certificate's language. */
    offered: string;
    issued_on: string;
    issued_on_iso: string;
    hours_of_effort: string;
  };
  learner: { name: string };
  organizations: { key: string; name: string; logo_url: string }[];
  signatories: { name: string; title: string; organization: string; image_url: string }[];
  qr_svg: string;
}

/** The name a certificate carries for an organization: its full name when configured, else its key. */
const organizationName = (organization: { key: string; name: string }, useOrgName: boolean) =>
  (useOrgName && organization.name) || organization.key;

/** The address where a credential's certificate is shown and verified. */
const certificateUrl = (origin: string, uuid: string) => `${origin}/credentials/${uuidHex(uuid)}/`;

/** Where a certificate is shown, and its card and PDF ('' when it has none). */
export interface CertificateLinks {
  page: string;
  card: string;
  pdf: string;
}

/** Links of a page that has no card or PDF: examples and previews. */
export const pageOnly = (page: string): CertificateLinks => ({ page, card: '', pdf: '' });

/** The links of a real credential's certificate at `origin`. */
export function certificateLinks(origin: string, uuid: string, pdf: boolean): CertificateLinks {
  const page = certificateUrl(origin, uuid);
  return { page, card: `${page}card.png`, pdf: pdf ? `${page}pdf` : '' };
}

/** Intl formatters per language, made once: making one costs more than rendering the rest of a view. */
const formats = new Map<
  CertificateLanguage,
  { list: Intl.ListFormat; date: Intl.DateTimeFormat; number: Intl.NumberFormat }
>();
function formatsOf(lang: CertificateLanguage) {
  let format = formats.get(lang);
  if (!format) {
    format = {
      list: new Intl.ListFormat(lang, { type: 'conjunction' }),
      date: new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' }),
      number: new Intl.NumberFormat(lang),
    };
    formats.set(lang, format);
  }
  return format;
}

/** Builds the data a certificate template renders for one credential. */
export function certificateView(
  site: Site,
  credential: PublicCredential,
  links: CertificateLinks,
): CertificateView {
  const url = links.page;
  const lang = certificateLanguage(credential.config.language, site.defaultLanguage);
  const messages = CERTIFICATE_MESSAGES[lang];
  const { config, program, courseRun } = credential;
  const organizations = credential.organizations.map((organization) => ({
    key: organization.key,
    name: organizationName(organization, config.useOrgName),
    logo_url: organization.logoSha256 ? assetPath(organization.logoSha256) : '',
  }));
  const format = formatsOf(lang);
  const listed = format.list.format(organizations.map((o) => o.name));
  const platform = site.platformName || site.name;
  const isProgram = config.kind === 'program';
  const hours = isProgram && config.includeHoursOfEffort ? program?.hoursOfEffort : null;
  const issuedOn = format.date.format(credential.issuedOn);
  const firstOrganization = organizations[0]?.name ?? '';

  return {
    lang,
    dir: textDirection(lang),
    t: { ...messages },
    site: {
      name: site.name,
      platform_name: platform,
      company_name: site.companyName,
      twitter_username: site.twitterUsername ?? '',
    },
    search_indexing: site.searchIndexing,
    certificate: {
      id: uuidHex(credential.uuid),
      url,
      card_url: links.card,
      pdf_url: links.pdf,
      kind: config.kind,
      title: config.title || (isProgram ? program?.title : courseRun?.title) || '',
      heading: isProgram ? program?.type || messages.programCertificate : messages.courseCertificate,
      program_type: program?.type ?? '',
      program_type_slug: program?.typeSlug ?? '',
      completed: isProgram ? messages.completedProgram : messages.completedCourse,
      offered: [
        listed &&
          fill(isProgram ? messages.programOfferedBy : messages.courseOfferedBy, { organizations: listed }),
        fill(messages.inCollaborationWith, { platform }),
      ]
        .filter(Boolean)
        .join(messages.clauseSeparator),
      issued_on: issuedOn,
      issued_on_iso: credential.issuedOn.toISOString().slice(0, 10),
      hours_of_effort: hours ? fill(messages.hoursOfEffort, { hours: format.number.format(hours) }) : '',
    },
    learner: { name: credential.learner.fullName || credential.learner.username },
    organizations,
    signatories: credential.signatories.map((signatory) => ({
      name: signatory.name,
      title: signatory.title,
      organization: signatory.organizationNameOverride || firstOrganization,
      image_url: signatory.imageSha256 ? assetPath(signatory.imageSha256) : '',
    })),
    qr_svg: qrCodeSvg(url),
  };
}
