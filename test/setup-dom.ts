import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// findBy*/waitFor give up after 1 s by default. The suite shares two cores with PostgreSQL, the
// simulator and the browser tests, where a lazy route's first import alone can take longer; a wait
// that is bounded but generous keeps every assertion and removes the load-dependent failures.
configure({ asyncUtilTimeout: 10_000 });

afterEach(() => cleanup());
