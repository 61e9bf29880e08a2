// `npm run bench -- --smoke` runs end to end (a throwaway ejabberd, the
// bridge compiled and run as a process, the bare XMPP client, mod_http_api)
// and writes well-formed JSON. No timing is asserted: figures depend on the
// machine; only their presence and shape are checked.
import { expect } from 'chai';
import { runBench } from '../support/bench-run.js';

interface SystemFigures {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  beamCpuUsPerOp: number;
  bridgeCpuUsPerOp: number;
  loadgenCpuUsPerOp: number;
  bridgeRssMB: number;
  errors: number;
}

interface BenchDocument {
  schema: string;
  durationS: number;
  machine: { nproc: number; cpuModel: string; node: string; ejabberd: string };
  settings: { smoke: boolean; sessions: number; storages: string[]; levels: number[] };
  loadgen: { cpuSeconds: number };
  failedOperations: number;
  summary: {
    storage: string;
    op: string;
    level: number;
    systems: Record<string, SystemFigures>;
    ratios: Record<string, { perRep: number[]; median: number }>;
  }[];
  targets: { target: string; value: number | null; met: boolean | null }[];
  idle: Record<string, { bridgeCpuPercentOfCore: number; beamCpuPercentOfCore: number }>;
  measurements: { storage: string; op: string; system: string; level: number; rep: number; ops: number; opsPerSec: number }[];
}

describe('npm run bench -- --smoke', function () {
  this.timeout(240_000);
  it('exits 0 and writes the figures as JSON', async () => {
    const run = await runBench(['--smoke']);
    expect(run.code, run.output).to.equal(0);

    const doc = run.document<BenchDocument>();
    expect(doc.schema).to.equal('ejabberd-restful-bench/2');
    expect(doc.machine.nproc).to.be.a('number').above(0);
    expect(doc.machine.cpuModel).to.be.a('string');
    expect(doc.machine.node).to.equal(process.version);
    expect(doc.settings.smoke).to.equal(true);
    expect(doc.settings.storages).to.deep.equal(['scram']);
    expect(doc.failedOperations).to.equal(0);
    expect(doc.loadgen.cpuSeconds).to.be.a('number');
    expect(doc.idle.scram?.bridgeCpuPercentOfCore).to.be.a('number');

    for (const op of ['register', 'is_registered']) {
      const group = doc.summary.find((g) => g.storage === 'scram' && g.op === op);
      expect(group, op).to.not.equal(undefined);
      for (const system of ['A', 'B', 'C']) {
        const figures = group?.systems[system];
        expect(figures, `${op} ${system}`).to.not.equal(undefined);
        for (const field of ['opsPerSec', 'p50Ms', 'p99Ms', 'beamCpuUsPerOp', 'loadgenCpuUsPerOp'] as const) {
          expect(figures?.[field], `${op} ${system} ${field}`).to.be.a('number').and.satisfy(Number.isFinite);
        }
        expect(figures?.opsPerSec, `${op} ${system}`).to.be.above(0);
        expect(figures?.errors).to.equal(0);
      }
      expect(group?.systems.A?.bridgeCpuUsPerOp).to.be.a('number').above(0);
      expect(group?.systems.A?.bridgeRssMB).to.be.a('number').above(0);
      for (const ratio of ['A/B', 'A/C', 'cpu A/K']) {
        expect(group?.ratios[ratio]?.median, `${op} ${ratio}`).to.be.a('number').above(0);
      }
      // The floor: K's CPU plus the bare client's, in K's.
      expect(group?.ratios['floor/K']?.median, `${op} floor/K`).to.be.a('number').above(1);
    }
    const change = doc.summary.find((g) => g.op === 'change_password');
    expect(change?.systems.A?.opsPerSec).to.be.a('number').above(0);
    expect(doc.targets).to.be.an('array');
    expect(doc.measurements.every((m) => m.ops > 0 && m.rep >= 0)).to.equal(true);
    // K runs 10x the requests of the others (it answers that much faster), in every measurement.
    const ks = doc.measurements.filter((m) => m.system === 'K');
    expect(ks.length, 'K measurements').to.be.above(0);
    for (const k of ks) {
      const a = doc.measurements.find((m) => m.system === 'A' && m.op === k.op && m.level === k.level && m.rep === k.rep);
      expect(k.ops, `K ${k.op} ${k.level} ${k.rep}`).to.equal(10 * (a?.ops ?? Number.NaN));
    }
  });
});
