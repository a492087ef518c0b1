import { createHash } from 'node:crypto';
import type { BlobStorage } from '../../platform/storage/storage.ts';
import type { CertificateView } from './certificate-view.ts';

/** The size Open Graph and X show large link previews at. */
const CARD_WIDTH = 1200;
const CARD_HEIGHT = 630;

/** Characters XML 1.0 does not allow at all, escaped or not (control characters, lone surrogates, U+FFFE/F). */
const NOT_IN_XML = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** Text for the card's SVG: markup escaped, and what XML cannot hold left out. */
const escapeXml = (text: string) =>
  text
    .replace(NOT_IN_XML, '')
    .replace(
      /[<>&"']/g,
      (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
    );

/** One line of at most `max` characters (SVG text does not wrap), with an ellipsis when cut. */
const fit = (text: string, max: number) => {
  const characters = [...text];
  return characters.length <= max ? text : `${characters.slice(0, max - 1).join('')}…`;
};

const SERIF = "'Noto Serif', 'Noto Serif CJK SC', 'Noto Naskh Arabic', Georgia, serif";
const SANS = "'Noto Sans', 'Noto Sans CJK SC', 'Noto Sans Arabic', 'DejaVu Sans', sans-serif";

/** The card as SVG: the certificate's heading, learner, title, organizations and platform. */
export function socialCardSvg(view: CertificateView): string {
  const line = (y: number, size: number, text: string, style: string) =>
    `<text x="600" y="${y}" font-size="${size}" ${style} text-anchor="middle" direction="${view.dir}">${escapeXml(text)}</text>`;
  const organizations = view.organizations.map((organization) => organization.name).join(' · ');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CARD_WIDTH}" height="${CARD_HEIGHT}" viewBox="0 0 ${CARD_WIDTH} ${CARD_HEIGHT}">`,
    '<rect width="1200" height="630" fill="#fffdf7"/>',
    '<rect x="24" y="24" width="1152" height="582" fill="none" stroke="#b08d2c" stroke-width="3"/>',
    '<rect x="34" y="34" width="1132" height="562" fill="none" stroke="#b08d2c" stroke-width="1"/>',
    line(
      118,
      26,
      fit(organizations.toUpperCase(), 60),
      `font-family="${SANS}" font-weight="700" fill="#1d5c3a" letter-spacing="3"`,
    ),
    line(200, 54, fit(view.certificate.heading, 36), `font-family="${SERIF}" fill="#1d5c3a"`),
    '<rect x="552" y="226" width="96" height="3" fill="#b08d2c"/>',
    line(330, 76, fit(view.learner.name, 26), `font-family="${SERIF}" fill="#1f2a24"`),
    line(420, 40, fit(view.certificate.title, 48), `font-family="${SERIF}" font-weight="700" fill="#1f2a24"`),
    line(540, 26, fit(view.site.platform_name, 60), `font-family="${SANS}" fill="#4a5750"`),
    '</svg>',
  ].join('');
}

/**
 * Social cards as PNG, kept in blob storage by the hash of their SVG: a card is drawn once per
 * distinct content, and a changed name or title simply makes a new one. sharp is loaded on first use.
 */
export function createSocialCards(storage: BlobStorage) {
  return {
    async png(view: CertificateView): Promise<{ bytes: Buffer; etag: string }> {
      const svg = socialCardSvg(view);
      const key = createHash('sha256').update(svg).digest('hex');
      let bytes = await storage.read(key);
      if (!bytes) {
        const { default: sharp } = await import('sharp');
        bytes = await sharp(Buffer.from(svg)).png({ compressionLevel: 9 }).toBuffer();
        await storage.put(key, bytes);
      }
      return { bytes, etag: `"${key}"` };
    },
  };
}

export type SocialCards = ReturnType<typeof createSocialCards>;
