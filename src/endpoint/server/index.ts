/** memopt's OpenAI-compatible embeddings server over real HTTP (README.md). */
export { startEmbeddingsServer, type ServerEndpoint, type ServerIsolation, type StartServerOptions } from './start.ts';
export { listenEmbeddingsServer, type ListeningServer } from './listen.ts';
export { resolveServerConfig, readServerConfigFile, serverConfigSchema, DEFAULT_SERVER_HOST, DEFAULT_KEEP_ALIVE_TIMEOUT_MS, type ServerConfig, type ServerConfigInput } from './config.ts';
