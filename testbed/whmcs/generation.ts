/**
 * The state one generation shares across the generator's modules: the main PRNG stream, the row and manifest
 * sinks, the manifest being built, the next explicit ids, and the values that only look random (hashes,
 * ciphertexts, UUIDs) drawn from a stream. Every module draws in the order the generator calls it, so the output
 * depends only on the seed and the scale.
 */
import type { SqlValue } from './format.ts';
import { bcryptYHash, hmacSha256Hash, plainMd5Hash, saltedMd5Hash } from './hashes.ts';
import { Manifester } from './manifest-builder.ts';
import type { HashShapeName, ManifestSink } from './manifest.ts';
import type { Prng } from './prng.ts';

export type Row = Record<string, SqlValue>;

export interface RowSink {
  add(table: string, row: Row): void;
  /** true when buffered rows should be written out before generating more. */
  readonly wantsFlush: boolean;
}

// Fixed "now" of the dataset so every date is reproducible.
export const TODAY = 19875; // 2024-06-01
export const EPOCH_TODAY = TODAY * 86400;

export type HashPlan = { shape: HashShapeName; plaintext: string };

const BCRYPT_POOL_SIZE = 16;

export class Generation {
  readonly m: Manifester;
  nextUserId = 1;
  nextServiceId = 1;
  nextConfigRowId = 1;
  nextFieldValueId = 1;
  /** tblclients.email of the client emitted last: a bulk client may share its owner and email. */
  lastRawClientEmail = '';
  private readonly bcryptPool: { hash: string; plaintext: string }[] = [];

  constructor(
    /** The main stream: the catalogue's secrets and the named cases' hashes. */
    readonly prng: Prng,
    readonly sink: RowSink,
    readonly manifestSink: ManifestSink,
  ) {
    this.m = new Manifester(manifestSink);
  }

  makeHash(plan: HashPlan): string {
    switch (plan.shape) {
      case 'bcrypt':
        return bcryptYHash(
          plan.plaintext,
          Array.from({ length: 16 }, () => this.prng.int(0, 255)),
        );
      case 'md5-salted':
        return saltedMd5Hash(plan.plaintext, this.randomText(5));
      case 'hmac-sha256':
        return hmacSha256Hash(plan.plaintext, this.randomText(10));
      case 'md5':
        return plainMd5Hash(plan.plaintext);
    }
  }

  randomText(length: number, prng: Prng = this.prng): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[prng.int(0, alphabet.length - 1)];
    return out;
  }

  /** bcrypt at cost 10 takes ~70 ms in JS, so bulk users reuse a small pool of distinct hashes. */
  pooledBcrypt(prng: Prng): { hash: string; plaintext: string } {
    if (this.bcryptPool.length === 0) {
      for (let i = 0; i < BCRYPT_POOL_SIZE; i++) {
        const plaintext = `Pool-Pass-${i}-${this.randomText(6)}`;
        this.bcryptPool.push({ plaintext, hash: this.makeHash({ shape: 'bcrypt', plaintext }) });
      }
    }
    return prng.pick(this.bcryptPool);
  }

  addFieldValue(fieldid: number, relid: number, value: string): number {
    const id = this.nextFieldValueId++;
    this.sink.add('tblcustomfieldsvalues', {
      id,
      fieldid,
      relid,
      value,
      created_at: '2021-05-05 10:00:00',
      updated_at: '2021-05-05 10:00:00',
    });
    return id;
  }

  addOptionRow(relid: number, configid: number, optionid: number, qty: number): void {
    this.sink.add('tblhostingconfigoptions', { id: this.nextConfigRowId++, relid, configid, optionid, qty });
  }
}

export function uuidFrom(prng: Prng): string {
  const hex = Array.from({ length: 32 }, () => prng.int(0, 15).toString(16));
  hex[12] = '4';
  hex[16] = ((prng.int(0, 3) | 8) >>> 0).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Looks like WHMCS's reversible ciphertext (base64); it is random bytes, never meant to be decrypted here. */
export function fakeCiphertext(prng: Prng): string {
  const bytes = Buffer.from(Array.from({ length: 12 + prng.int(0, 12) }, () => prng.int(0, 255)));
  return bytes.toString('base64');
}
