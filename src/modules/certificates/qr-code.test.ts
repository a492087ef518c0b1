import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { qrCodeSvg } from './qr-code.ts';

/** The cells an SVG from qrCodeSvg paints dark, read back from its strokes, as "column,row". */
function paintedCells(svg: string): Set<string> {
  const strokes = /<path stroke="#000000" d="([^"]*)"\/>/.exec(svg)?.[1] ?? '';
  const cells = new Set<string>();
  for (const [, x, y, length] of strokes.matchAll(/M(\d+) (\d+(?:\.5)?)h(\d+)/g)) {
    const row = Number(y) - 0.5;
    for (let column = Number(x); column < Number(x) + Number(length); column++) cells.add(`${column},${row}`);
  }
  return cells;
}

describe('QR codes of certificate links', () => {
  it.each([
    'https://credentials.example.org/credentials/0190d1f4c6b27a3e9f1c2d3e4f5a6b7c/',
    'http://localhost:8150/credentials/ffffffffffffffffffffffffffffffff/',
    'https://a.example/',
  ])('paints exactly the dark modules of the code for %s', (url) => {
    const { size, data } = QRCode.create([{ data: Buffer.from(url), mode: 'byte' }], {
      errorCorrectionLevel: 'M',
      maskPattern: 2,
    }).modules;
    const dark = new Set<string>();
    for (let i = 0; i < data.length; i++) if (data[i]) dark.add(`${i % size},${Math.floor(i / size)}`);

    const svg = qrCodeSvg(url);
    expect(svg).toContain(`viewBox="0 0 ${size} ${size}"`);
    expect(paintedCells(svg)).toEqual(dark);
  });
});
