import { describe, expect, it } from 'vitest';
import { classifyPveError } from './errors.ts';

describe('classifyPveError', () => {
  it.each([
    [500, "Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist", {}, 'not_found'],
    // qemu-server QemuConfig.pm assert_config_exists_on_node, behind reboot/reset/suspend/resume.
    [500, "unable to find configuration file for VM 999 on node 'pve1'", {}, 'not_found'],
    [500, 'VM is locked (clone)', {}, 'locked'],
    [500, "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout", {}, 'transient'],
    [500, 'got no worker upid - start worker failed', {}, 'transient'],
    [596, 'Connection timed out', {}, 'transient'],
    [503, 'Service Unavailable', {}, 'transient'],
    [500, 'unable to create VM 123: config file already exists', {}, 'already_exists'],
    [400, 'Parameter verification failed.', { vmid: 'VM 218 already exists' }, 'already_exists'],
    [400, 'Parameter verification failed.', { upid: 'no such task' }, 'not_found'],
    [
      400,
      'Parameter verification failed.',
      { cores: "type check ('integer') failed - got 'x'" },
      'permanent',
    ],
    [500, 'VM 100 not running', {}, 'permanent'],
    [500, 'VM 100 is running - destroy failed', {}, 'permanent'],
    [401, 'Authentication failed!', {}, 'auth'],
    [401, 'No ticket', {}, 'auth'],
    [403, 'Permission check failed (/vms/100, VM.Allocate)', {}, 'permanent'],
  ] as const)('%i %s → %s', (status, text, errors, kind) => {
    expect(classifyPveError(status, text, errors)).toBe(kind);
  });
});
