/**
 * The server lifecycle as one pure state machine: which statuses exist, which user actions each one
 * allows, and what status an accepted action moves the server to. The API, the worker and the dashboard
 * all read it from here.
 */
export const serverStatuses = [
  'provisioning',
  'running',
  'stopped',
  'starting',
  'stopping',
  'rebooting',
  'terminating',
  'terminated',
  'suspended',
  'error',
  'reinstalling',
  'resizing',
] as const;
export type ServerStatus = (typeof serverStatuses)[number];

export const serverActions = ['start', 'shutdown', 'stop', 'reboot'] as const;
export type ServerAction = (typeof serverActions)[number];

/** Statuses in which work is under way; the dashboard polls while a server is in one. */
export const transitionalStatuses: ReadonlySet<ServerStatus> = new Set([
  'provisioning',
  'starting',
  'stopping',
  'rebooting',
  'terminating',
  'reinstalling',
  'resizing',
]);

const allowedActions: Record<ServerStatus, readonly ServerAction[]> = {
  provisioning: [],
  running: ['shutdown', 'stop', 'reboot'],
  // A server that failed may be in any real state on PVE; `start` and `stop` are both safe to retry.
  error: ['start', 'stop'],
  stopped: ['start'],
  starting: [],
  stopping: ['stop'], // a hung ACPI shutdown can be cut short by a hard stop
  rebooting: [],
  terminating: [],
  terminated: [],
  suspended: [],
  reinstalling: [],
  resizing: [],
};

const statusAfterAction: Record<ServerAction, ServerStatus> = {
  start: 'starting',
  shutdown: 'stopping',
  stop: 'stopping',
  reboot: 'rebooting',
};

export function actionsAllowedIn(status: ServerStatus): readonly ServerAction[] {
  return allowedActions[status];
}

export function isActionAllowed(status: ServerStatus, action: ServerAction): boolean {
  return allowedActions[status].includes(action);
}

/** The status a server enters when `action` is accepted, or null when the action is not allowed. */
export function transitionFor(status: ServerStatus, action: ServerAction): ServerStatus | null {
  return isActionAllowed(status, action) ? statusAfterAction[action] : null;
}

/**
 * Terminate is allowed once a server has settled. Not while provisioning (the worker owns the VM then),
 * and not while suspended: a suspension is the operator's decision and only the operator lifts or ends it.
 */
export function canTerminate(status: ServerStatus): boolean {
  return !['provisioning', 'terminating', 'terminated', 'suspended', 'reinstalling', 'resizing'].includes(
    status,
  );
}

/**
 * The self-service operations (reinstall, root password, resize, snapshots) need a settled server: one
 * that is running or stopped. Suspended servers and servers in the middle of something are refused.
 */
export function canOperate(status: ServerStatus): boolean {
  return status === 'running' || status === 'stopped';
}

/** The steps of a reinstall, in order: the new VM exists and is ready before the old one goes. */
export const reinstallSteps = [
  'reserve_vmid',
  'clone',
  'configure',
  'resize',
  'stop_old',
  'start_new',
  'destroy_old',
] as const;
export type ReinstallStep = (typeof reinstallSteps)[number];

/** The steps of provisioning, in order; the worker persists each before starting the next. */
export const provisioningSteps = [
  'place',
  'reserve_vmid',
  'clone',
  'configure',
  'resize',
  'start',
  'await_ip',
] as const;
export type ProvisioningStep = (typeof provisioningSteps)[number];

export const provisioningStepLabels: Record<ProvisioningStep, string> = {
  place: 'Choosing a host',
  reserve_vmid: 'Reserving a VM id',
  clone: 'Copying the image',
  configure: 'Configuring',
  resize: 'Sizing the disk',
  start: 'Booting',
  await_ip: 'Waiting for the network',
};
