import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Site } from '../sites/sites.service.ts';
import { exampleCredential } from './certificate-examples.ts';
import { createCertificateRenderer } from './certificate-renderer.ts';
import { fill, skeletonOf } from './certificate-skeleton.ts';
import { certificateLinks, certificateView } from './certificate-view.ts';

const BUILT_IN_CERTIFICATE = readFileSync(
  new URL('../../web/certificates/certificate.liquid', import.meta.url),
  'utf8',
);
const site = {
  name: 'Laurel',
  platformName: 'Laurel',
  companyName: 'Laurel & Co',
  twitterUsername: null,
  defaultLanguage: 'en',
  searchIndexing: false,
} as unknown as Site;

/** A view of the sample course certificate for this learner, id and date, as a page would show it. */
function viewFor(name: string, uuid: string, issuedOn: string, language: string | null = null) {
  const credential = exampleCredential('course-run', 'professional-certificate');
  credential.config.language = language;
  const learner = { ...credential.learner, fullName: name };
  const links = certificateLinks('https://laurel.example', uuid, uuid.endsWith('1'));
  return certificateView(site, { ...credential, uuid, learner, issuedOn: new Date(issuedOn) }, links);
}

describe('built-in certificates filled in from a skeleton', () => {
  it('give, byte for byte, the page a full render gives, whatever the learner is called', async () => {
    const renderer = createCertificateRenderer();
    const names = [
      'Ada Lovelace',
      `O'Brien & "Sons" <script>alert(1)</script>`,
      'Jo $$ Bloggs $` $& end',
      'فاطمة الزهراء',
      '李小龙 🐉',
      '',
    ];
    let i = 0;
    for (const name of names) {
      for (const language of [null, 'ar', 'zh']) {
        const uuid = `0190f0c2-0000-7000-8000-${String(++i).padStart(12, '0')}`;
        const view = await viewFor(name, uuid, `2026-0${(i % 9) + 1}-15T00:00:00Z`, language);
        const skeleton = await renderer.render(view);
        const full = await renderer.renderDraft('certificate', BUILT_IN_CERTIFICATE, view);
        expect(skeleton.body.toString(), `${name} (${language})`).toBe(full.body.toString());
        expect(skeleton.etag).toBe(full.etag);
      }
    }
  });

  it('are not made of a design that changes, measures or compares a value instead of writing it', async () => {
    const view = await viewFor(
      'Ada Lovelace',
      '0190f0c2-0000-7000-8000-000000000001',
      '2026-06-15T00:00:00Z',
    );
    const writes = skeletonOf(view, (v) => `<p>${v.learner.name}</p><p>${v.certificate.id}</p>`);
    expect(writes && fill(writes, view)).toBe(`<p>Ada Lovelace</p><p>${view.certificate.id}</p>`);
    for (const transform of [
      (v: typeof view) => v.learner.name.toUpperCase(),
      (v: typeof view) => String(v.learner.name.length),
      (v: typeof view) => v.learner.name.slice(0, 3),
    ])
      expect(skeletonOf(view, transform)).toBeNull();
  });
});
