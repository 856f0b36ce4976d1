// The throwaway PostgreSQL cluster of the tests (shared with the benchmarks: scripts/pg-cluster.mjs).
export { freePort, TestPostgres } from '../../scripts/pg-cluster.mjs';
