import QRCode from 'qrcode';

/**
 * The QR code of a certificate's link, as an SVG image: dark modules drawn as one path of horizontal
 * strokes, one per run of dark modules in a row.
 *
 * One byte segment and a fixed mask: finding the smallest segmentation and the best of eight masks
 * was most of the cost of a cold page, and the code scans as well without either. The path is drawn
 * here rather than by the library's SVG renderer, which costs as much again as encoding.
 */
export function qrCodeSvg(text: string): string {
  const { size, data } = QRCode.create([{ data: Buffer.from(text), mode: 'byte' }], {
    errorCorrectionLevel: 'M',
    maskPattern: 2,
  }).modules;
  let path = '';
  for (let row = 0; row < size; row++) {
    const offset = row * size;
    let column = 0;
    while (column < size) {
      if (!data[offset + column]) {
        column++;
        continue;
      }
      const start = column;
      while (column < size && data[offset + column]) column++;
      path += `M${start} ${row + 0.5}h${column - start}`;
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges">` +
    `<path fill="#ffffff" d="M0 0h${size}v${size}H0z"/><path stroke="#000000" d="${path}"/></svg>`
  );
}
