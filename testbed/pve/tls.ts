// The node certificate: generated once per folder, reused, pinned by its SHA-256 fingerprint.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface NodeCertificate {
  key: string;
  cert: string;
  /** PVE's form: colon-separated uppercase hex. */
  fingerprint: string;
}

const FILE_NAME = 'pve-sim-ssl.pem';

function fromPem(pem: string): NodeCertificate | undefined {
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(pem)?.[0];
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (!key || !cert) return undefined;
  const x509 = new X509Certificate(cert);
  if (new Date(x509.validTo).getTime() < Date.now() + 86400_000) return undefined;
  return { key: `${key}\n`, cert: `${cert}\n`, fingerprint: x509.fingerprint256.toUpperCase() };
}

/** Key and certificate live in one file, written atomically, so concurrent starts never mix pairs. */
export async function ensureNodeCertificate(certDir: string): Promise<NodeCertificate> {
  const path = join(certDir, FILE_NAME);
  if (existsSync(path)) {
    const existing = fromPem(readFileSync(path, 'utf8'));
    if (existing) return existing;
  }
  const notBeforeDate = new Date(Date.now() - 86400_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 2 * 365 * 86400_000);
  const pems = await generate(
    [
      { name: 'commonName', value: 'pve1.keel-sim.local' },
      { name: 'organizationName', value: 'PVE Cluster Node' },
    ],
    {
      keySize: 2048,
      algorithm: 'sha256',
      notBeforeDate,
      notAfterDate,
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 2, value: 'pve1' },
            { type: 7, ip: '127.0.0.1' },
            { type: 7, ip: '::1' },
          ],
        },
      ],
    },
  );
  mkdirSync(certDir, { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, `${pems.private}\n${pems.cert}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  const created = fromPem(`${pems.private}\n${pems.cert}`);
  if (!created) throw new Error('generated certificate could not be parsed');
  return created;
}
