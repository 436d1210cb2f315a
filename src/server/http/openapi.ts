/** The OpenAPI 3.1 document, generated from the REST route table and the shared Zod schemas. */
import { z } from 'zod';
import { errorStatus, type ErrorCode } from '../../shared/errors.ts';
import { restRoutes } from './rest-routes.ts';

type JsonSchema = Record<string, unknown>;

const componentsPath = '#/components/schemas/';

/** Every schema registered with `.meta({id})`, as OpenAPI components (request shapes as accepted). */
function componentSchemas(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `${componentsPath}${id}`,
    override: ({ zodSchema, jsonSchema }) => {
      // Dates travel as ISO 8601 strings in JSON.
      if ((zodSchema as unknown as { _zod: { def: { type: string } } })._zod.def.type === 'date') {
        jsonSchema.type = 'string';
        jsonSchema.format = 'date-time';
      }
    },
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema as JsonSchema]),
  );
}

function refTo(schema: z.ZodType): JsonSchema {
  const id = z.globalRegistry.get(schema)?.id;
  if (!id) throw new Error('Every REST request and response schema needs .meta({ id })');
  return { $ref: `${componentsPath}${id}` };
}

export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const schemas = componentSchemas();
  const errorRef = { $ref: `${componentsPath}Error` };
  const paths: Record<string, Record<string, unknown>> = {};

  for (const route of restRoutes) {
    const parameters: JsonSchema[] = [...route.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string', format: 'uuid' },
    }));
    if (route.query) {
      const query = schemas[String(refTo(route.query).$ref).slice(componentsPath.length)] as {
        properties?: Record<string, JsonSchema>;
        required?: string[];
      };
      for (const [name, schema] of Object.entries(query.properties ?? {})) {
        parameters.push({ name, in: 'query', required: query.required?.includes(name) ?? false, schema });
      }
    }

    const errorCodes = new Set<ErrorCode>([...route.errors, 'INTERNAL']);
    if (route.body)
      ['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'].forEach((c) =>
        errorCodes.add(c as ErrorCode),
      );
    const responses: Record<string, { description: string; [k: string]: unknown }> = {
      [route.status]: {
        description: route.status === 202 ? 'Accepted; the work continues in the background' : 'OK',
        ...(route.location ? { headers: { Location: { schema: { type: 'string' } } } } : {}),
        content: { 'application/json': { schema: refTo(route.response) } },
      },
    };
    for (const code of errorCodes) {
      const status = String(errorStatus[code]);
      const existing = responses[status];
      responses[status] = {
        description: existing ? `${existing.description} or ${code}` : code,
        content: { 'application/json': { schema: errorRef } },
      };
    }

    const path = `/api${route.path.replace(/:(\w+)/g, '{$1}')}`;
    paths[path] ??= {};
    paths[path][route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      security: route.auth ? [{ bearerAuth: [] }] : [],
      ...(parameters.length ? { parameters } : {}),
      ...(route.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: refTo(route.body) } } } }
        : {}),
      responses,
    };
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
