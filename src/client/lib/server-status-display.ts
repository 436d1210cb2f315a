/** How a server's status reads and which colour it wears, the same for customers and operators. */
import type { ServerStatus } from '../../shared/server-status.ts';

export const statusLabels: Record<ServerStatus, string> = {
  provisioning: 'Provisioning',
  running: 'Running',
  stopped: 'Stopped',
  starting: 'Starting',
  stopping: 'Stopping',
  rebooting: 'Rebooting',
  terminating: 'Terminating',
  terminated: 'Terminated',
  suspended: 'Suspended',
  error: 'Error',
  reinstalling: 'Reinstalling',
  resizing: 'Resizing',
};

export type StatusTone = 'good' | 'neutral' | 'busy' | 'warning' | 'bad';

export const statusTones: Record<ServerStatus, StatusTone> = {
  provisioning: 'busy',
  running: 'good',
  stopped: 'neutral',
  starting: 'busy',
  stopping: 'busy',
  rebooting: 'busy',
  terminating: 'busy',
  terminated: 'neutral',
  suspended: 'warning',
  error: 'bad',
  reinstalling: 'busy',
  resizing: 'busy',
};
