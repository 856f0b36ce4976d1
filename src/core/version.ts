// The package version, recorded in saved streaming state and reported by the service.
export const VERSION = '0.1.0';
