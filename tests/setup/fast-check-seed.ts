/**
 * Property tests draw their cases from one seed, so a run is reproducible and CI sees the cases the
 * developer saw. Explore other cases with `FC_SEED=<n> npm test`; a failure prints its seed and path.
 */
import fc from 'fast-check';

const seed = Number(process.env.FC_SEED ?? 20261205);
if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${process.env.FC_SEED}`);
fc.configureGlobal({ seed });
