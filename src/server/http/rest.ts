/**
 * The REST adapter: a thin translation from HTTP to the tRPC procedures in the route table. It holds no
 * logic of its own beyond HTTP: status codes, the Location header and the error shape.
 */
import express, { type Request, type Response } from 'express';
import { createCaller } from '../routers/root.ts';
import { sendError } from './errors.ts';
import { restRoutes } from './rest-routes.ts';
import type { RequestContextFactory } from './context.ts';

export function createRestRouter(createContext: RequestContextFactory): express.Router {
  const router = express.Router();
  for (const route of restRoutes) {
    router[route.method](route.path, async (req: Request, res: Response) => {
      try {
        const caller = createCaller(createContext(req, res));
        const result = await route.call(caller, {
          params: req.params as Record<string, string>,
          query: req.query as Record<string, unknown>,
          body: req.body,
        });
        if (route.location) res.location(route.location(result));
        res.status(route.status).json(result);
      } catch (err) {
        sendError(req, res, err);
      }
    });
  }
  return router;
}
