import type { Catalog, LoginResult, Server, User } from '../../shared/api.ts';
import type { StoredSshKey } from '../../shared/self-service.ts';
import type { ServerStatus } from '../../shared/server-status.ts';

export const user: User = {
  id: '7d3f1c2a-1b2c-4d5e-8f90-0a1b2c3d4e5f',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  role: 'customer',
};

export const admin: User = {
  id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  email: 'grace@example.com',
  name: 'Grace Hopper',
  role: 'admin',
};

export function loginResult(token = 'header.payload.sig', who: User = user): LoginResult {
  return { accessToken: token, tokenType: 'Bearer', expiresIn: 900, user: who };
}

let counter = 0;

export function server(overrides: Partial<Server> & { status?: ServerStatus } = {}): Server {
  counter++;
  const hex = counter.toString(16).padStart(12, '0');
  return {
    id: `00000000-0000-4000-8000-${hex}`,
    name: `web-${counter}`,
    status: 'running',
    statusReason: null,
    cpuCores: 2,
    memoryMb: 4096,
    diskGb: 80,
    ipAddress: `10.50.0.${counter % 250}`,
    image: { id: '11111111-1111-4111-8111-111111111111', slug: 'debian-12', name: 'Debian 12' },
    location: { id: '22222222-2222-4222-8222-222222222222', slug: 'lab', name: 'Simulated lab' },
    progress: null,
    createdAt: new Date('2025-01-01T10:00:00Z'),
    updatedAt: new Date('2025-01-01T10:00:00Z'),
    ...overrides,
  };
}

/** The catalogue's smallest plan, as customers see it (the console's tests add what operators see). */
export const planVpsS: Catalog['plans'][number] = {
  id: '33333333-3333-4333-8333-333333333331',
  slug: 'vps-s',
  name: 'VPS S',
  cpuCores: 1,
  memoryMb: 1024,
  diskGb: 25,
  priceMonthlyCents: 500,
};

export const catalog: Catalog = {
  plans: [
    planVpsS,
    {
      id: '33333333-3333-4333-8333-333333333332',
      slug: 'vps-m',
      name: 'VPS M',
      cpuCores: 2,
      memoryMb: 4096,
      diskGb: 80,
      priceMonthlyCents: 1500,
    },
  ],
  images: [
    { id: '11111111-1111-4111-8111-111111111111', slug: 'debian-12', name: 'Debian 12', osFamily: 'debian' },
  ],
  locations: [
    { id: '22222222-2222-4222-8222-222222222222', slug: 'lab', name: 'Simulated lab', country: null },
  ],
};

let keyCounter = 0;

/** A key of the keychain as the API lists it. */
export function storedSshKey(name: string): StoredSshKey {
  keyCounter++;
  const hex = keyCounter.toString(16).padStart(12, '0');
  return {
    id: `44444444-4444-4444-8444-${hex}`,
    name,
    publicKey: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${'A'.repeat(42)}${keyCounter} ${name}`,
    type: 'ssh-ed25519',
    bits: 256,
    fingerprint: `SHA256:${'x'.repeat(40)}${hex.slice(-3)}`,
    createdAt: new Date('2025-01-02T10:00:00Z'),
  };
}
