/**
 * Stand-in thumbnails for the screenshot scenes: small SVG data URLs of a garment (the input photo, the white
 * background result) or of a model wearing it (a pose result), coloured by the file name.
 */
const COLOURS = ['#c2410c', '#1d4ed8', '#15803d', '#7c3aed', '#be185d', '#0f766e', '#a16207', '#334155'];
const BACKDROPS = ['#e9e4dc', '#dfe6ea', '#e8e1e8', '#e3e7dd'];

const TEE = 'M30 22 L42 15 Q50 22 58 15 L70 22 L85 36 L75 46 L68 40 L68 86 L32 86 L32 40 L25 46 L15 36 Z';
const DRESS = 'M40 15 Q50 22 60 15 L62 32 L57 42 L76 86 L24 86 L43 42 L38 32 Z';

function hash(s: string): number {
  let h = 0;
  for (const ch of s) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h;
}

const svgUrl = (body: string) =>
  `data:image/svg+xml;charset=utf-8,${encodeURIComponent(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">${body}</svg>`)}`;

/** `input`: the garment photographed on a backdrop; `white`: the same on white; `pose`: a model wearing it. */
export function garmentThumb(name: string, kind: 'input' | 'white' | 'pose'): string {
  const h = hash(name.replace(/_(白底|pose\d+)\..*$|\.[^.]+$/g, ''));
  const colour = COLOURS[h % COLOURS.length]!;
  const shape = /裙/.test(name) ? DRESS : TEE;
  if (kind === 'pose') {
    const pose = hash(name) % 4;
    const backdrop = BACKDROPS[pose]!;
    const tilt = [-6, 0, 5, -2][pose]!;
    return svgUrl(
      `<rect width="100" height="100" fill="${backdrop}"/>` +
        `<g transform="rotate(${tilt} 50 60)">` +
        `<path d="M44 84 L42 99 M56 84 L58 99" stroke="#3f3f46" stroke-width="5" stroke-linecap="round"/>` +
        `<g transform="translate(14 14) scale(0.72)"><path d="${shape}" fill="${colour}"/></g>` +
        `<circle cx="50" cy="17" r="7" fill="#f1c9a5"/><path d="M43 15 Q50 5 57 15 Q50 10 43 15" fill="#27272a"/></g>`,
    );
  }
  const backdrop = kind === 'white' ? '#ffffff' : BACKDROPS[h % BACKDROPS.length]!;
  const shadow = kind === 'white' ? '' : `<ellipse cx="52" cy="90" rx="30" ry="4" fill="rgba(0,0,0,0.12)"/>`;
  return svgUrl(`<rect width="100" height="100" fill="${backdrop}"/>${shadow}<path d="${shape}" fill="${colour}"/>`);
}

/** The thumbnail a path would get: results by their suffix, anything else as an input photo. */
export function thumbnailFor(path: string): string {
  const name = path.split('/').pop() ?? path;
  if (/_白底\./.test(name)) return garmentThumb(name, 'white');
  if (/_pose\d+\./.test(name)) return garmentThumb(name, 'pose');
  return garmentThumb(name, 'input');
}
