import encodeQR from 'qr';

/**
 * The QR code of a certificate's link, as an SVG image without a quiet zone (the page leaves white
 * space around it): dark modules drawn as one path of horizontal strokes, one per run of dark modules
 * in a row.
 *
 * One byte segment and a fixed mask: the smallest segmentation and the best of eight masks cost as
 * much again as the rest of the encoding, a noticeable part of a page not yet cached, and the code
 * scans as well without either.
 */
export function qrCodeSvg(text: string): string {
  // The library draws at least one module of quiet zone; it is left out below.
  const withBorder = encodeQR(text, 'raw', { ecc: 'medium', encoding: 'byte', mask: 2, border: 1 });
  const size = withBorder.length - 2;
  let path = '';
  for (let row = 0; row < size; row++) {
    const modules = withBorder[row + 1] ?? [];
    // A row's first stroke moves to where it starts; the next ones move on from where the last ended.
    let column = 0;
    let penAt = -1;
    while (column < size) {
      if (!modules[column + 1]) {
        column++;
        continue;
      }
      const start = column;
      while (column < size && modules[column + 1]) column++;
      path += penAt < 0 ? `M${start} ${row}.5h${column - start}` : `m${start - penAt} 0h${column - start}`;
      penAt = column;
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges">` +
    `<path fill="#ffffff" d="M0 0h${size}v${size}H0z"/><path stroke="#000000" d="${path}"/></svg>`
  );
}
