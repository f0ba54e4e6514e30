export { createApp, type AppOptions } from './app.ts';
export { readConfig, ConfigError, type ServerConfig } from './env.ts';
export { startServer } from './main.ts';
