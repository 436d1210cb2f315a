/**
 * The REST adapter: a thin translation from HTTP to the tRPC procedures that declare a REST route. It
 * holds no logic of its own beyond HTTP: the input from path, query and body, the status code, the
 * Location header and the error shape. Procedures are called in-process, as tRPC's own adapter does.
 */
import { callTRPCProcedure } from '@trpc/server';
import express, { type Request, type Response } from 'express';
import { appRouter } from '../routers/root.ts';
import type { RequestContextFactory } from './context.ts';
import { etagOf, ifNoneMatchMatches } from './etag.ts';
import { sendError } from './errors.ts';
import { restInput, restLocation, restRoutes } from './rest-contract.ts';

export function createRestRouter(createContext: RequestContextFactory): express.Router {
  const router = express.Router();
  for (const route of restRoutes) {
    router[route.method](route.path, async (req: Request, res: Response) => {
      try {
        const input = restInput(route, {
          params: req.params,
          query: req.query,
          body: req.body,
        });
        const result: unknown = await callTRPCProcedure({
          router: appRouter,
          path: route.procedurePath,
          type: route.type,
          ctx: createContext(req, res),
          getRawInput: () => Promise.resolve(input),
          signal: undefined,
          batchIndex: 0,
        });
        const location = restLocation(route, result);
        if (location) res.location(location);
        if (route.method !== 'get') {
          res.status(route.status).json(result);
          return;
        }
        const body = JSON.stringify(result);
        const etag = etagOf(body);
        res.setHeader('ETag', etag);
        if (ifNoneMatchMatches(req.headers['if-none-match'], etag)) res.status(304).end();
        else res.status(route.status).type('application/json').send(body);
      } catch (err) {
        sendError(req, res, err);
      }
    });
  }
  return router;
}
