import { hostname } from 'node:os';

/**
 * The name of this app instance, as results and the dashboard show it: INSTANCE, else host:PORT (host pid N
 * with PORT=0). With REDIS_URL set, any instance may run a job, so a result says which one did. Worker
 * threads read it too: they have their process's pid and a copy of its environment.
 */
export function instanceName(env: NodeJS.ProcessEnv = process.env): string {
  const named = env.INSTANCE?.trim();
  if (named) return named;
  const port = env.PORT?.trim() || '3000';
  return port === '0' ? `${hostname()} pid ${process.pid}` : `${hostname()}:${port}`;
}
