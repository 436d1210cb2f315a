/** What the self-service screens decide without the API: which plans a server can move to, and when. */
import {
  canOperate,
  suspendedByProviderMessage,
  type ServerStatus,
} from '../../../../shared/server-status.ts';
import { statusLabels } from './format.ts';

export interface Specs {
  cpuCores: number;
  memoryMb: number;
  diskGb: number;
}

/**
 * The plans a server of `current` size may move to: at least as big in every figure and bigger in
 * one, since a disk only grows. The API checks the same and the host's room besides.
 */
export function biggerPlans<P extends Specs>(current: Specs, plans: readonly P[]): P[] {
  return plans.filter(
    (plan) =>
      plan.cpuCores >= current.cpuCores &&
      plan.memoryMb >= current.memoryMb &&
      plan.diskGb >= current.diskGb &&
      (plan.cpuCores > current.cpuCores || plan.memoryMb > current.memoryMb || plan.diskGb > current.diskGb),
  );
}

/**
 * Why reinstall, root password, resize and snapshots cannot be asked for now, or null when they can:
 * the API takes them only on a running or stopped server that its provider has not suspended.
 */
export function operationBlockedReason(status: ServerStatus): string | null {
  if (canOperate(status)) return null;
  if (status === 'suspended') return suspendedByProviderMessage;
  return `Not available while the server is ${statusLabels[status].toLowerCase()}; it must be running or stopped.`;
}
