/**
 * Health of the node's dependencies for the EigenLayer node API and eigen_performance_score.
 * Services: `rpc` (the Ethereum node), `redis` (queue + cursor), `aggregators` (at least one
 * answers). Node health: every service Up → healthy (200); rpc or redis not Up → unhealthy (503);
 * otherwise (aggregators down) → partially healthy (206): tasks are still signed, but not delivered.
 * A node that reads the ModelRegistry also has `models` (every active registered model is served): Down
 * is partially healthy, and the service's description names the missing models.
 */
export type ServiceStatus = 'Up' | 'Down' | 'Initializing';

/** One service of the node API. */
export interface ServiceInfo {
  id: string;
  name: string;
  description: string;
  status: ServiceStatus;
}

/** Services whose loss makes the node unhealthy. */
const CRITICAL = new Set(['rpc', 'redis']);

export class HealthTracker {
  private readonly services = new Map<string, ServiceInfo>();

  constructor(
    defs: readonly Omit<ServiceInfo, 'status'>[] = DEFAULT_SERVICES,
    private readonly onChange?: (score: number) => void,
  ) {
    for (const d of defs) this.services.set(d.id, { ...d, status: 'Initializing' });
  }

  set(id: string, up: boolean): void {
    const s = this.services.get(id);
    if (!s) return;
    const status: ServiceStatus = up ? 'Up' : 'Down';
    if (s.status !== status) {
      s.status = status;
      this.onChange?.(this.score());
    }
  }

  /** Updates a service's description (e.g. which models are missing). */
  describe(id: string, description: string): void {
    const s = this.services.get(id);
    if (s) s.description = description;
  }

  list(): ServiceInfo[] {
    return [...this.services.values()].map((s) => ({ ...s }));
  }

  get(id: string): ServiceInfo | undefined {
    const s = this.services.get(id);
    return s ? { ...s } : undefined;
  }

  /** 200 healthy, 206 partially healthy, 503 unhealthy. */
  nodeStatusCode(): 200 | 206 | 503 {
    const all = this.list();
    if (all.some((s) => CRITICAL.has(s.id) && s.status !== 'Up')) return 503;
    if (all.some((s) => s.status !== 'Up')) return 206;
    return 200;
  }

  /** 0..100: share of services Up. */
  score(): number {
    const all = this.list();
    return all.length === 0 ? 100 : Math.round((100 * all.filter((s) => s.status === 'Up').length) / all.length);
  }
}

export const DEFAULT_SERVICES: readonly Omit<ServiceInfo, 'status'>[] = [
  { id: 'rpc', name: 'Ethereum RPC', description: 'JSON-RPC endpoint the task watcher polls' },
  { id: 'redis', name: 'Redis', description: 'Inference queue and watcher cursor' },
  { id: 'aggregators', name: 'Aggregators', description: 'At least one configured aggregator answers' },
];

/** The `models` service of a node that watches the ModelRegistry. */
export const MODELS_SERVICE: Omit<ServiceInfo, 'status'> = { id: 'models', name: 'Models', description: 'Every active model of the ModelRegistry is installed and verified' };
