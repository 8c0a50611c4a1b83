import { seededRandom } from '../../support/seededRandom';

/**
 * Generates look-alike secrets at run time, so the repository holds no literal that a secret
 * scanner would flag. Seeded: every run produces the same values.
 */
export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const BASE32_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const BASE64 = `${ALNUM}+/`;
export const BASE64URL = `${ALNUM}-_`;
export const HEX = '0123456789abcdef';
export const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const DIGITS = '0123456789';

export class FakeSecrets {
  readonly #next: () => number;

  constructor(seed: number) {
    this.#next = seededRandom(seed);
  }

  chars(charset: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) {
      out += charset[Math.floor(this.#next() * charset.length)];
    }
    return out;
  }

  /** A PEM block whose body is random base64 (split markers keep scanners quiet). */
  pem(label: string, newline = '\n'): string {
    const dashes = '-'.repeat(5);
    const body = [0, 1, 2, 3].map(() => this.chars(BASE64, 64)).join(newline);
    return `${dashes}BEGIN ${label} ${'KEY'}${dashes}${newline}${body}${newline}${dashes}END ${label} KEY${dashes}`;
  }

  jwt(): string {
    const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: this.chars(DIGITS, 10), name: 'Ada' })}.${this.chars(BASE64URL, 43)}`;
  }
}
