// The simulator's core: matches a call to the route table, merges and validates its parameters
// against the PVE schema, applies route faults, and runs the section's handler over the shared context.
import { SimClock } from './clock.ts';
import type { ClusterState } from './cluster.ts';
import { noFaults, pickLatency, routeFaultFor, type FaultConfig } from './faults.ts';
import { findEndpointSchema, type EndpointSchema, type HttpMethod } from './api-subset.ts';
import { validateParams } from './schema.ts';
import type { RawParams } from './request.ts';
import { TaskRunner } from './tasks.ts';
import { SimContext, type Caller, type Route } from './api/context.ts';
import { SimHttpError, die, paramError } from './api/errors.ts';
import { buildRoutes } from './api/routes.ts';

export interface ApiCall {
  method: HttpMethod;
  /** Path below /api2/json, already URI-unescaped. */
  segments: string[];
  raw: RawParams;
  caller: Caller;
}

export interface ApiResult {
  data: unknown;
  total?: number;
}

export interface SimulatorOptions {
  state: ClusterState;
  speed: number;
  random?: () => number;
  /** The node certificate's SHA-256 fingerprint, as GET /nodes reports it. */
  fingerprint: string;
  onChange?: () => void;
}

export class Simulator {
  readonly state: ClusterState;
  readonly clock: SimClock;
  readonly tasks: TaskRunner;
  faults: FaultConfig = noFaults();
  private readonly random: () => number;
  private readonly ctx: SimContext;
  private readonly routes: Route[];

  constructor(opts: SimulatorOptions) {
    this.state = opts.state;
    this.clock = new SimClock(opts.speed);
    this.random = opts.random ?? Math.random;
    const onChange = opts.onChange ?? (() => undefined);
    this.tasks = new TaskRunner(this.state, this.clock, () => this.faults, this.random, onChange);
    this.ctx = new SimContext({
      state: this.state,
      clock: this.clock,
      tasks: this.tasks,
      faults: () => this.faults,
      random: this.random,
      fingerprint: opts.fingerprint,
      onChange,
    });
    this.routes = buildRoutes(this.ctx);
  }

  stop(): void {
    this.clock.stop();
    this.ctx.stop();
  }

  /** Method and path template of every route this simulator answers. */
  routeTable(): { method: HttpMethod; path: string }[] {
    return this.routes.map(({ method, path }) => ({ method, path }));
  }

  latencyMs(): number {
    return pickLatency(this.faults, this.random);
  }

  async handle(call: ApiCall): Promise<ApiResult> {
    const urlPath = `/${call.segments.join('/')}`;
    const match = this.matchRoute(call.method, call.segments);
    if (!match) throw new SimHttpError(501, `Method '${call.method} ${urlPath}' not implemented`);
    const { route, pathParams } = match;
    const fault = routeFaultFor(this.faults, call.method, route.path, this.random);
    if (fault) throw new SimHttpError(fault.status, fault.message);

    const raw = { ...call.raw };
    const conflicts: Record<string, string> = {};
    for (const [key, value] of Object.entries(pathParams)) {
      if (raw[key] !== undefined && raw[key] !== value) {
        conflicts[key] = 'duplicate parameter (already defined in URI) with conflicting values!';
      }
      raw[key] = value;
    }
    if (Object.keys(conflicts).length > 0) throw paramError(conflicts);
    const validated = validateParams(this.schemaFor(route), raw);
    if (!validated.ok) throw paramError(validated.errors);
    const p = validated.params;
    if (typeof p.node === 'string' && !this.ctx.findNode(p.node)) {
      throw die(
        `hostname lookup '${p.node}' failed - failed to get address info for: ${p.node}: Name or service not known`,
      );
    }
    const result: { total?: number } = {};
    const data = await route.handler({ p, caller: call.caller, result });
    return { data: data === undefined ? null : data, ...result };
  }

  schemaFor(route: { method: HttpMethod; path: string }): EndpointSchema {
    const schema = findEndpointSchema(route.method, route.path);
    if (!schema) throw new Error(`route ${route.method} ${route.path} is not in the PVE API subset`);
    return schema;
  }

  private matchRoute(
    method: HttpMethod,
    segments: string[],
  ): { route: Route; pathParams: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const template = route.path.split('/').filter((s) => s !== '');
      if (template.length !== segments.length) continue;
      const pathParams: Record<string, string> = {};
      const ok = template.every((part, i) => {
        const segment = segments[i] ?? '';
        const name = /^\{(.+)\}$/.exec(part)?.[1];
        if (name) {
          pathParams[name] = segment;
          return segment !== '';
        }
        return part === segment;
      });
      if (ok) return { route, pathParams };
    }
    return undefined;
  }

  /** A deep copy of the whole state, for inspection. */
  snapshot(): ClusterState {
    return structuredClone(this.state);
  }
}
