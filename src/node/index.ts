// Node-only helpers (file system). The portable core is the package's main entry.
export { BUNDLED_CONFIG_DIR, loadConfigFile } from './config-file.js';
export { readBarsCsvFile } from './csv-file.js';
export { createNodeCoordinator, type NodeCoordinatorOptions } from './coordinator.js';
export { createWorkerBackend, WorkerBackend, type WorkerBackendOptions } from './worker-backend.js';
