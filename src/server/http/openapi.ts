/** The OpenAPI 3.1 document, generated from the REST routes (the procedures' meta) and the shared Zod schemas. */
import { z } from 'zod';
import { errorStatus } from '../../shared/errors.ts';
import { idempotencyKeyParameter } from './idempotency.ts';
import { restRoutes, type RestRoute } from './rest-contract.ts';

type JsonSchema = Record<string, unknown>;

const componentsPath = '#/components/schemas/';

const jsonSchemaOptions = {
  target: 'draft-2020-12',
  io: 'input',
  unrepresentable: 'any',
  override: ({ zodSchema, jsonSchema }) => {
    // Dates travel as ISO 8601 strings in JSON.
    if ((zodSchema as unknown as { _zod: { def: { type: string } } })._zod.def.type === 'date') {
      jsonSchema.type = 'string';
      jsonSchema.format = 'date-time';
    }
  },
} satisfies Parameters<typeof z.toJSONSchema>[1];

/** Every schema registered with `.meta({id})`, as OpenAPI components (request shapes as accepted). */
function componentSchemas(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    ...jsonSchemaOptions,
    uri: (id) => `${componentsPath}${id}`,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema as JsonSchema]),
  );
}

/**
 * A reference to the schema's component, or the schema written out when it has none (a body less its
 * path parameters); registered schemas inside it still point at their components.
 */
function schemaOf(schema: z.ZodType): JsonSchema {
  const id = z.globalRegistry.get(schema)?.id;
  if (id) return { $ref: `${componentsPath}${id}` };
  const { $schema: _s, $defs: _d, ...inline } = z.toJSONSchema(schema, jsonSchemaOptions) as JsonSchema;
  return JSON.parse(JSON.stringify(inline).replaceAll('"#/$defs/', `"${componentsPath}`)) as JsonSchema;
}

/** An object schema's properties, written out (a component is looked up), for parameters. */
function propertiesOf(
  schema: z.ZodType,
  components: Record<string, JsonSchema>,
): { properties: Record<string, JsonSchema>; required: string[] } {
  const written = schemaOf(schema);
  const resolved = (
    typeof written.$ref === 'string' ? components[written.$ref.slice(componentsPath.length)] : written
  ) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return { properties: resolved.properties ?? {}, required: resolved.required ?? [] };
}

const successDescription = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted; the work continues in the background',
} as const;

function operation(route: RestRoute, components: Record<string, JsonSchema>) {
  const parameters: JsonSchema[] = [];
  if (route.pathParams.length) {
    const { properties } = propertiesOf(route.input!, components);
    for (const name of route.pathParams)
      parameters.push({ name, in: 'path', required: true, schema: properties[name] ?? { type: 'string' } });
  }
  if (route.query) {
    const { properties, required } = propertiesOf(route.query, components);
    for (const [name, schema] of Object.entries(properties))
      parameters.push({ name, in: 'query', required: required.includes(name), schema });
  }

  if (route.idempotent) parameters.push({ ...idempotencyKeyParameter });

  const responses: Record<string, { description: string; [k: string]: unknown }> = {
    [route.status]: {
      description: successDescription[route.status],
      ...(route.location
        ? { headers: { Location: { description: `/api${route.location}`, schema: { type: 'string' } } } }
        : {}),
      content: { 'application/json': { schema: schemaOf(route.response) } },
    },
  };
  for (const code of route.errors) {
    const status = String(errorStatus[code]);
    const existing = responses[status];
    responses[status] = {
      description: existing ? `${existing.description} or ${code}` : code,
      content: { 'application/json': { schema: { $ref: `${componentsPath}Error` } } },
    };
  }

  return {
    operationId: route.operationId,
    summary: route.summary,
    security: route.auth ? [{ bearerAuth: [] }] : [],
    ...(parameters.length ? { parameters } : {}),
    ...(route.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(route.body) } } } }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const schemas = componentSchemas();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of restRoutes) {
    const path = `/api${route.openApiPath}`;
    paths[path] ??= {};
    paths[path][route.method] = operation(route, schemas);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Keel API',
      version,
      description:
        'Manage virtual servers on Proxmox VE. The same operations are available over tRPC at /trpc. ' +
        'Every error is {"error": {"code", "message", "fields"?}}.',
    },
    paths,
    components: {
      schemas,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}
