/**
 * helmet's security headers, worked out once. With Keel's options every header helmet sets is the same
 * for every request (no directive is a function of the request), yet helmet runs a dozen middleware, one
 * per header, for each. Here helmet's middleware runs once at start-up against a recording response, and
 * each request gets what it recorded, in the same order, in one step: the same headers, the same values.
 */
import type { Request, RequestHandler, Response } from 'express';

type Step = { set: string; value: string | number | readonly string[] } | { remove: string };

/** `middleware`'s header changes as one middleware; `middleware` itself should it need the request. */
export function precomputedHeaders(middleware: RequestHandler): RequestHandler {
  const steps: Step[] = [];
  let finished = false;
  let failed = false;
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      steps.push({ set: name, value });
      return recorder;
    },
    removeHeader(name: string) {
      steps.push({ remove: name });
    },
  };
  // A request with nothing in it: a middleware that reads it (or anything else of the response) throws,
  // or does not finish at once, and is then used as it is.
  const request = new Proxy({} as Request, {
    get: () => {
      throw new Error('reads the request');
    },
  });
  try {
    void middleware(request, recorder as unknown as Response, (err?: unknown) => {
      finished = true;
      failed = err !== undefined;
    });
  } catch {
    failed = true;
  }
  if (!finished || failed) return middleware;
  return (_req, res, next) => {
    for (const step of steps) {
      if ('set' in step) res.setHeader(step.set, step.value);
      else res.removeHeader(step.remove);
    }
    next();
  };
}
