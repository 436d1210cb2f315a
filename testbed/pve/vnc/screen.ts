// The guest's screen as its VNC server shows it: a boot screen with the VM's name, drawn in a tiny
// 5×7 bitmap font (upper case; lower case is drawn as upper case). Pure, so tests can compute the
// expected pixels.

export const SCREEN_WIDTH = 800;
export const SCREEN_HEIGHT = 600;
export const BACKGROUND: Rgb = [16, 24, 48];
export const TEXT: Rgb = [236, 240, 244];
export const ACCENT: Rgb = [229, 112, 0];
/** Each font pixel is drawn as a SCALE×SCALE block. */
export const SCALE = 4;
export const NAME_ORIGIN = { x: 40, y: 60 };

export type Rgb = [number, number, number];

const GLYPHS: Record<string, string[]> = {
  ' ': ['.....', '.....', '.....', '.....', '.....', '.....', '.....'],
  '?': ['.###.', '#...#', '....#', '...#.', '..#..', '.....', '..#..'],
  '-': ['.....', '.....', '.....', '#####', '.....', '.....', '.....'],
  '.': ['.....', '.....', '.....', '.....', '.....', '.##..', '.##..'],
  ':': ['.....', '.##..', '.##..', '.....', '.##..', '.##..', '.....'],
  _: ['.....', '.....', '.....', '.....', '.....', '.....', '#####'],
  '/': ['....#', '...#.', '...#.', '..#..', '.#...', '.#...', '#....'],
  '(': ['...#.', '..#..', '.#...', '.#...', '.#...', '..#..', '...#.'],
  ')': ['.#...', '..#..', '...#.', '...#.', '...#.', '..#..', '.#...'],
  '0': ['.###.', '#...#', '#..##', '#.#.#', '##..#', '#...#', '.###.'],
  '1': ['..#..', '.##..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  '2': ['.###.', '#...#', '....#', '...#.', '..#..', '.#...', '#####'],
  '3': ['#####', '...#.', '..#..', '...#.', '....#', '#...#', '.###.'],
  '4': ['...#.', '..##.', '.#.#.', '#..#.', '#####', '...#.', '...#.'],
  '5': ['#####', '#....', '####.', '....#', '....#', '#...#', '.###.'],
  '6': ['..##.', '.#...', '#....', '####.', '#...#', '#...#', '.###.'],
  '7': ['#####', '....#', '...#.', '..#..', '.#...', '.#...', '.#...'],
  '8': ['.###.', '#...#', '#...#', '.###.', '#...#', '#...#', '.###.'],
  '9': ['.###.', '#...#', '#...#', '.####', '....#', '...#.', '.##..'],
  A: ['.###.', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
  B: ['####.', '#...#', '#...#', '####.', '#...#', '#...#', '####.'],
  C: ['.###.', '#...#', '#....', '#....', '#....', '#...#', '.###.'],
  D: ['###..', '#..#.', '#...#', '#...#', '#...#', '#..#.', '###..'],
  E: ['#####', '#....', '#....', '####.', '#....', '#....', '#####'],
  F: ['#####', '#....', '#....', '####.', '#....', '#....', '#....'],
  G: ['.###.', '#...#', '#....', '#.###', '#...#', '#...#', '.####'],
  H: ['#...#', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
  I: ['.###.', '..#..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  J: ['..###', '...#.', '...#.', '...#.', '...#.', '#..#.', '.##..'],
  K: ['#...#', '#..#.', '#.#..', '##...', '#.#..', '#..#.', '#...#'],
  L: ['#....', '#....', '#....', '#....', '#....', '#....', '#####'],
  M: ['#...#', '##.##', '#.#.#', '#.#.#', '#...#', '#...#', '#...#'],
  N: ['#...#', '#...#', '##..#', '#.#.#', '#..##', '#...#', '#...#'],
  O: ['.###.', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
  P: ['####.', '#...#', '#...#', '####.', '#....', '#....', '#....'],
  Q: ['.###.', '#...#', '#...#', '#...#', '#.#.#', '#..#.', '.##.#'],
  R: ['####.', '#...#', '#...#', '####.', '#.#..', '#..#.', '#...#'],
  S: ['.####', '#....', '#....', '.###.', '....#', '....#', '####.'],
  T: ['#####', '..#..', '..#..', '..#..', '..#..', '..#..', '..#..'],
  U: ['#...#', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
  V: ['#...#', '#...#', '#...#', '#...#', '#...#', '.#.#.', '..#..'],
  W: ['#...#', '#...#', '#...#', '#.#.#', '#.#.#', '#.#.#', '.#.#.'],
  X: ['#...#', '#...#', '.#.#.', '..#..', '.#.#.', '#...#', '#...#'],
  Y: ['#...#', '#...#', '.#.#.', '..#..', '..#..', '..#..', '..#..'],
  Z: ['#####', '....#', '...#.', '..#..', '.#...', '#....', '#####'],
};

export interface Framebuffer {
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel, rows top to bottom. */
  rgb: Uint8Array;
}

function fill(fb: Framebuffer, x0: number, y0: number, w: number, h: number, color: Rgb): void {
  for (let y = Math.max(0, y0); y < Math.min(fb.height, y0 + h); y++) {
    for (let x = Math.max(0, x0); x < Math.min(fb.width, x0 + w); x++) {
      const i = (y * fb.width + x) * 3;
      fb.rgb[i] = color[0];
      fb.rgb[i + 1] = color[1];
      fb.rgb[i + 2] = color[2];
    }
  }
}

/** Draws `text` with its top-left corner at (x, y); returns the x after the last character. */
export function drawText(
  fb: Framebuffer,
  text: string,
  x: number,
  y: number,
  color: Rgb,
  scale = SCALE,
): number {
  let cursor = x;
  for (const char of text.toUpperCase()) {
    const glyph = GLYPHS[char] ?? GLYPHS['?'] ?? [];
    glyph.forEach((row, gy) => {
      for (let gx = 0; gx < row.length; gx++)
        if (row[gx] === '#') fill(fb, cursor + gx * scale, y + gy * scale, scale, scale, color);
    });
    cursor += 6 * scale;
  }
  return cursor;
}

/** The screen of a booting guest: its name large, a bar, and a line naming the VMID and node. */
export function bootScreen(name: string, vmid: number, node: string): Framebuffer {
  const fb: Framebuffer = {
    width: SCREEN_WIDTH,
    height: SCREEN_HEIGHT,
    rgb: new Uint8Array(SCREEN_WIDTH * SCREEN_HEIGHT * 3),
  };
  fill(fb, 0, 0, fb.width, fb.height, BACKGROUND);
  drawText(fb, name, NAME_ORIGIN.x, NAME_ORIGIN.y, TEXT);
  fill(fb, NAME_ORIGIN.x, NAME_ORIGIN.y + 9 * SCALE, fb.width - 2 * NAME_ORIGIN.x, SCALE, ACCENT);
  drawText(fb, `VM ${vmid} on ${node}`, NAME_ORIGIN.x, NAME_ORIGIN.y + 14 * SCALE, TEXT, 2);
  drawText(fb, 'booting...', NAME_ORIGIN.x, NAME_ORIGIN.y + 20 * SCALE, TEXT, 2);
  return fb;
}

/** The colour at (x, y). */
export function pixelAt(fb: Framebuffer, x: number, y: number): Rgb {
  const i = (y * fb.width + x) * 3;
  return [fb.rgb[i] ?? 0, fb.rgb[i + 1] ?? 0, fb.rgb[i + 2] ?? 0];
}
