import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createLiquid } from '../../platform/http/pages.ts';
import type { CertificateView } from './certificate-view.ts';

/** The built-in certificate design and its partials (header, footer, signatories). */
export const DEFAULT_CERTIFICATE_DIR = fileURLToPath(new URL('../../web/certificates/', import.meta.url));

/** A rendered certificate and the strong validator of its exact bytes. */
export interface RenderedCertificate {
  html: string;
  etag: string;
}

/** Renders certificates with the same limits as every Liquid page (see createLiquid). */
export function createCertificateRenderer() {
  const liquid = createLiquid(DEFAULT_CERTIFICATE_DIR);
  return {
    async render(view: CertificateView): Promise<RenderedCertificate> {
      const html = (await liquid.renderFile('certificate', view)) as string;
      const etag = `"${createHash('sha256').update(html).digest('base64url').slice(0, 32)}"`;
      return { html, etag };
    },
  };
}

export type CertificateRenderer = ReturnType<typeof createCertificateRenderer>;
