/**
 * The closed-loop client pool every workload that replays operations uses: `clients` concurrent async clients
 * share one cursor; each takes the next operation when its previous one has settled, so operations start in order
 * and at most `clients` run at once (a closed system: load follows the system's speed, as a pool of users does).
 */
export async function runClosedLoop(count: number, clients: number, operation: (index: number) => Promise<void>): Promise<void> {
  let cursor = 0;
  const client = async () => {
    while (cursor < count) await operation(cursor++);
  };
  await Promise.all(Array.from({ length: Math.min(clients, count) }, client));
}
