// `npm run models:plan`: plans every shipped model once (parameter selection with masks, measured on sample
// molecules) and writes the plans to models/plans/, so a fresh server starts without re-planning. Run it after
// `npm run models:train` or after a planner change (the file names carry the planner's version).
import { fileURLToPath } from 'node:url';
import { createApp } from '@chemveil/server';

const modelsDir = fileURLToPath(new URL('../models/', import.meta.url));
const app = createApp({ modelsDir, planCacheDir: `${modelsDir}plans`, webRoot: undefined, logger: true });
await app.ready();
await app.close();
