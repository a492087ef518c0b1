import { createHash } from 'node:crypto';
import type { CertificateView } from './certificate-view.ts';

/**
 * The values of a certificate view that differ between two credentials of one configuration: its id,
 * links, date, learner and QR code. Everything else in a view is the same for all of them.
 */
const ownValues = (view: CertificateView): string[] => [
  view.certificate.id,
  view.certificate.url,
  view.certificate.card_url,
  view.certificate.pdf_url,
  view.certificate.issued_on,
  view.certificate.issued_on_iso,
  view.learner.name,
  view.qr_svg,
];

/** `view` with its own values replaced, in the order `ownValues` gives them. */
function withOwnValues(view: CertificateView, values: string[]): CertificateView {
  const [id, url, card_url, pdf_url, issued_on, issued_on_iso, name, qr_svg] = values as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const certificate = { ...view.certificate, id, url, card_url, pdf_url, issued_on, issued_on_iso };
  return { ...view, certificate, learner: { name }, qr_svg };
}

/**
 * Where a value goes: each is written as a mark the page cannot otherwise hold (private-use
 * characters around it). The `&` in it tells how the template wrote it: Liquid escapes it to `&amp;`
 * when it escapes the value, and leaves it when the value is output raw (the QR code).
 */
const mark = (index: number, padding: string) => `\ue000&${index}${padding}\ue001`;
const MARK = /\ue000(&amp;|&)(\d+)(?::x*)?\ue001/g;
const MARK_CHARACTER = /[\ue000\ue001]/;

/** A page with holes: `pieces` around `holes`, each hole a value's index and whether it is escaped. */
export interface Skeleton {
  pieces: string[];
  holes: { index: number; escaped: boolean }[];
}

/** Roughly what a skeleton takes in memory, in characters. */
export const skeletonSize = (skeleton: Skeleton) =>
  skeleton.pieces.reduce((size, piece) => size + piece.length, 0) + 16 * skeleton.holes.length;

function parse(html: string): Skeleton | null {
  const pieces: string[] = [];
  const holes: Skeleton['holes'] = [];
  let last = 0;
  for (const match of html.matchAll(MARK)) {
    pieces.push(html.slice(last, match.index));
    holes.push({ index: Number(match[2]), escaped: match[1] === '&amp;' });
    last = match.index + match[0].length;
  }
  pieces.push(html.slice(last));
  // A mark the template changed (a filter on the value) cannot be filled in.
  return pieces.some((piece) => MARK_CHARACTER.test(piece)) ? null : { pieces, holes };
}

const sameSkeleton = (a: Skeleton, b: Skeleton) =>
  a.pieces.length === b.pieces.length &&
  a.pieces.every((piece, i) => piece === b.pieces[i]) &&
  a.holes.every((hole, i) => hole.index === b.holes[i]?.index && hole.escaped === b.holes[i]?.escaped);

/**
 * What the page of a view depends on besides its own values: the rest of the view, and which of its
 * own values are empty (templates test links for emptiness). Views with the same key share a skeleton.
 */
export const skeletonKey = (view: CertificateView) => {
  const shared = withOwnValues(
    view,
    ownValues(view).map((value) => (value === '' ? '' : '*')),
  );
  return createHash('sha256').update(JSON.stringify(shared)).digest('base64url');
};

/**
 * The skeleton of `view`'s page, made by rendering it twice with marks of different lengths in place
 * of its own values; null when the two do not agree, as when the template measures, cuts or compares
 * a value instead of writing it out (such a page is rendered in full each time).
 */
export function skeletonOf(
  view: CertificateView,
  render: (view: CertificateView) => string,
): Skeleton | null {
  const marked = (padding: string) =>
    withOwnValues(
      view,
      ownValues(view).map((value, index) => (value === '' ? '' : mark(index, padding))),
    );
  const short = parse(render(marked('')));
  const long = parse(render(marked(`:${'x'.repeat(9)}`)));
  return short && long && sameSkeleton(short, long) ? short : null;
}

/** Liquid's `escape`, character for character. */
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
  "'": '&#39;',
};
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/** The page of `view` from its skeleton: the same text a full render gives. */
export function fill(skeleton: Skeleton, view: CertificateView): string {
  const values = ownValues(view);
  let html = skeleton.pieces[0] ?? '';
  skeleton.holes.forEach(({ index, escaped }, i) => {
    const value = values[index] ?? '';
    html += (escaped ? escapeHtml(value) : value) + (skeleton.pieces[i + 1] ?? '');
  });
  return html;
}
