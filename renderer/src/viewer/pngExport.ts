/**
 * The viewer's PNG: the scene rendered on a transparent background, cut to the drawn pixels plus a small margin
 * (no wide white border), then laid on white unless a transparent image was asked for.
 */

/** Bounding box of the pixels with any opacity in RGBA data, or null when nothing is drawn. */
export function opaqueBounds(data: Uint8ClampedArray, width: number, height: number): { x0: number; y0: number; x1: number; y1: number } | null {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[4 * (y * width + x) + 3]! === 0) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

/** Crop `source` (drawn on a transparent background) to its content with `margin` pixels around it. */
export function croppedPng(source: HTMLCanvasElement, options: { transparent: boolean; margin: number }): string {
  const full = document.createElement('canvas');
  full.width = source.width;
  full.height = source.height;
  const fullContext = full.getContext('2d')!;
  fullContext.drawImage(source, 0, 0);
  const bounds = opaqueBounds(fullContext.getImageData(0, 0, full.width, full.height).data, full.width, full.height);
  const box = bounds
    ? {
        x: Math.max(0, bounds.x0 - options.margin),
        y: Math.max(0, bounds.y0 - options.margin),
        w: Math.min(full.width, bounds.x1 + 1 + options.margin) - Math.max(0, bounds.x0 - options.margin),
        h: Math.min(full.height, bounds.y1 + 1 + options.margin) - Math.max(0, bounds.y0 - options.margin),
      }
    : { x: 0, y: 0, w: full.width, h: full.height };
  const out = document.createElement('canvas');
  out.width = box.w;
  out.height = box.h;
  const context = out.getContext('2d')!;
  if (!options.transparent) {
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, box.w, box.h);
  }
  context.drawImage(full, box.x, box.y, box.w, box.h, 0, 0, box.w, box.h);
  return out.toDataURL('image/png');
}

/** A file name from a formula and space group: 'SrTiO3_Pm-3m_221', 'ZnO_P6_3mc_186' (no '/' or spaces). */
export function structureFileBase(formula: string, symbol?: string, number?: number): string {
  const parts = [formula, symbol?.replace(/\//g, '-'), number !== undefined ? String(number) : undefined].filter((p): p is string => !!p);
  return parts.join('_').replace(/[^A-Za-z0-9_.+-]+/g, '_') || 'structure';
}
