/** Operator-side fixtures for the console's component tests. */
import type { AdminServer, AdminServerDetail } from '../../shared/admin.ts';
import type { Server } from '../../shared/api.ts';
import { server, user } from './fixtures.ts';

export function adminServer(overrides: Partial<Server> = {}, owner = user): AdminServer {
  return { ...server(overrides), owner: { id: owner.id, email: owner.email } };
}

export function adminServerDetail(
  overrides: Partial<Server> = {},
  detail: Partial<AdminServerDetail> = {},
): AdminServerDetail {
  return {
    ...server(overrides),
    owner: { id: user.id, email: user.email, name: user.name },
    node: 'pve-1',
    vmid: 101,
    clusterId: null,
    suspension: null,
    job: null,
    lastFailure: null,
    ...detail,
  };
}
