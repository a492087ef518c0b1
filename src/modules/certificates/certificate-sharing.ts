import type { Site } from '../sites/sites.service.ts';
import { fill } from './certificate-messages.ts';
import type { CertificateView } from './certificate-view.ts';

/**
 * Where a certificate template puts the owner's sharing banner. The page is cached for everyone, so
 * the banner is put in per request, only for the signed-in learner the certificate belongs to.
 */
export const OWNER_BANNER_SLOT = '<!-- laurel:owner-banner -->';

/** What the owner's banner offers, each link only when the site allows that network. */
export interface ShareLinks {
  linkedin: string;
  x: string;
  facebook: string;
}

const withQuery = (base: string, query: Record<string, string>) => `${base}?${new URLSearchParams(query)}`;

/** Links that open each network's own share or add-to-profile dialog with the certificate filled in. */
export function shareLinks(site: Site, view: CertificateView): ShareLinks {
  const { certificate } = view;
  const [year = '', month = ''] = certificate.issued_on_iso.split('-');
  const text = fill(view.t.shareText ?? '', { title: certificate.title });
  return {
    // LinkedIn's add-to-profile form, the fields Open edX fills (reference §3.1).
    linkedin: site.enableLinkedinSharing
      ? withQuery('https://www.linkedin.com/profile/add', {
          startTask: 'CERTIFICATION_NAME',
          name: certificate.title,
          organizationName: view.organizations[0]?.name ?? view.site.platform_name,
          issueYear: year,
          issueMonth: String(Number(month)),
          certUrl: certificate.url,
          certId: certificate.id,
        })
      : '',
    x: site.enableTwitterSharing
      ? withQuery('https://twitter.com/intent/tweet', {
          text,
          url: certificate.url,
          ...(site.twitterUsername && { via: site.twitterUsername }),
        })
      : '',
    facebook: site.enableFacebookSharing
      ? withQuery('https://www.facebook.com/sharer/sharer.php', { u: certificate.url })
      : '',
  };
}
