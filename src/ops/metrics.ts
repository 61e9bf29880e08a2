// Prometheus metrics (prom-client), in a registry of the bridge's own. Every
// label value is chosen by the bridge: a route pattern, an HTTP method from
// a fixed set, a status code, an XMPP operation name (element, namespace or
// ad-hoc node) and a bounded outcome. No label ever carries a user name,
// password, key, path or query string from a request.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HttpObserver } from '../http/app.js';
import type { XmppObserver } from '../xmpp/observe.js';
import { VERSION } from './version.js';

/** What the metrics read from the bridge's own XMPP sessions at scrape time. */
export interface SessionGauges {
  readonly isUp: boolean;
  readonly upCount: number;
  readonly size: number;
  /** Sessions up per node (xmpp://host:port, from the configuration). */
  readonly upByService: ReadonlyMap<string, number>;
  readonly reconnects: number;
  readonly inFlight: number;
}

/** The bound on XMPP work in flight (../xmpp/in-flight-limit.ts). */
export interface LimitGauges {
  readonly active: number;
  readonly queued: number;
}

export interface MetricSources {
  session: SessionGauges;
  userSessionsOpen: () => number;
  limit: LimitGauges;
}

interface Series {
  count: { inc(): void };
  duration: { observe(value: number): void };
}

const PREFIX = 'ejabberd_restful_';
const EVENT_LOOP_SAMPLE_MS = 50;
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class BridgeMetrics implements HttpObserver, XmppObserver {
  readonly registry = new Registry();
  readonly #httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly #httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly #httpInFlight: Gauge;
  readonly #xmppRequests: Counter<'operation' | 'outcome'>;
  readonly #xmppDuration: Histogram<'operation' | 'outcome'>;
  /**
   * Each label combination's series, looked up once: prom-client would hash
   * the labels object on every call. Bounded as the label values are (see above).
   */
  readonly #httpSeries = new Map<string, Series>();
  readonly #xmppSeries = new Map<string, Series>();

  /** The HTTP and XMPP observers' metrics; the gauges come with watch(), once the parts they read exist. */
  constructor() {
    const registers = [this.registry];
    // The event-loop lag histogram samples on a timer: at prom-client's default
    // 10 ms that timer woke the bridge 100 times a second, busy or not (about
    // 1 % of a core while idle, and a wake-up between requests at low load).
    // 50 ms still shows any lag worth an alert.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    new Gauge({
      name: `${PREFIX}info`,
      help: 'Always 1; the version label tells which release runs',
      labelNames: ['version'],
      registers,
    }).set({ version: VERSION }, 1);

    this.#httpRequests = new Counter({
      name: `${PREFIX}http_requests_total`,
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.#httpDuration = new Histogram({
      name: `${PREFIX}http_request_duration_seconds`,
      help: 'Time to answer an HTTP request, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: SECONDS,
      registers,
    });
    this.#httpInFlight = new Gauge({
      name: `${PREFIX}http_requests_in_flight`,
      help: 'HTTP requests being answered right now',
      registers,
    });
    this.#xmppRequests = new Counter({
      name: `${PREFIX}xmpp_requests_total`,
      help: 'XMPP exchanges (IQ round trips and user logins), by operation and outcome',
      labelNames: ['operation', 'outcome'],
      registers,
    });
    this.#xmppDuration = new Histogram({
      name: `${PREFIX}xmpp_request_duration_seconds`,
      help: 'Latency of XMPP exchanges, by operation and outcome',
      labelNames: ['operation', 'outcome'],
      buckets: SECONDS,
      registers,
    });
  }

  /** Adds the gauges read from the bridge's sessions and in-flight bound at scrape time. */
  watch({ session, userSessionsOpen, limit }: MetricSources): void {
    const registers = [this.registry];
    new Gauge({
      name: `${PREFIX}xmpp_session_up`,
      help: "1 while at least one of the bridge's own XMPP sessions is connected and logged in, else 0",
      registers,
      collect() {
        this.set(session.isUp ? 1 : 0);
      },
    });
    new Gauge({
      name: `${PREFIX}xmpp_sessions_up`,
      help: "The bridge's own XMPP sessions connected and logged in (of xmpp.sessions)",
      registers,
      collect() {
        this.set(session.upCount);
      },
    });
    new Gauge({
      name: `${PREFIX}xmpp_sessions_up_by_service`,
      help: "The bridge's own XMPP sessions up on each node of xmpp.service",
      labelNames: ['service'],
      registers,
      collect() {
        for (const [service, up] of session.upByService) this.set({ service }, up);
      },
    });
    new Gauge({
      name: `${PREFIX}xmpp_sessions`,
      help: "The bridge's own XMPP sessions configured (xmpp.sessions)",
      registers,
      collect() {
        this.set(session.size);
      },
    });
    new Counter({
      name: `${PREFIX}xmpp_reconnects_total`,
      help: "Reconnection attempts of the bridge's own XMPP sessions, all together",
      registers,
      collect() {
        this.reset();
        this.inc(session.reconnects);
      },
    });
    new Gauge({
      name: `${PREFIX}xmpp_requests_in_flight`,
      help: "IQ requests awaiting an answer on the bridge's own XMPP sessions",
      registers,
      collect() {
        this.set(session.inFlight);
      },
    });
    new Gauge({
      name: `${PREFIX}xmpp_user_sessions_open`,
      help: 'Short-lived sessions logged in as a user (password checks and changes) open right now',
      registers,
      collect() {
        this.set(userSessionsOpen());
      },
    });
    new Gauge({
      name: `${PREFIX}xmpp_slots_in_use`,
      help: 'Slots of limits.xmpp_in_flight taken by IQs and user logins',
      registers,
      collect() {
        this.set(limit.active);
      },
    });
    new Gauge({
      name: `${PREFIX}xmpp_requests_queued`,
      help: 'Requests waiting for a slot of limits.xmpp_in_flight (503 when none frees up in time)',
      registers,
      collect() {
        this.set(limit.queued);
      },
    });
  }

  started(): void {
    this.#httpInFlight.inc();
  }

  ended(method: string, route: string, status: number, seconds: number): void {
    this.#httpInFlight.dec();
    const key = `${method} ${route} ${status}`;
    let series = this.#httpSeries.get(key);
    if (series === undefined) {
      const labels = { method, route, status: String(status) };
      series = { count: this.#httpRequests.labels(labels), duration: this.#httpDuration.labels(labels) };
      this.#httpSeries.set(key, series);
    }
    series.count.inc();
    series.duration.observe(seconds);
  }

  exchange(operation: string, outcome: string, seconds: number): void {
    const key = `${operation} ${outcome}`;
    let series = this.#xmppSeries.get(key);
    if (series === undefined) {
      series = { count: this.#xmppRequests.labels({ operation, outcome }), duration: this.#xmppDuration.labels({ operation, outcome }) };
      this.#xmppSeries.set(key, series);
    }
    series.count.inc();
    series.duration.observe(seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
