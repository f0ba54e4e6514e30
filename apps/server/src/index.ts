export { createApp, type AppOptions } from './app.ts';
export { readConfig, ConfigError, type ServerConfig, type ConfigFlags } from './env.ts';
export { startServer } from './main.ts';
export { mintToken, parseTokenFile } from './limits/api-tokens.ts';
