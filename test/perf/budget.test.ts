// The perf budget: the bridge's CPU per plain registration at 64 in flight
// is at most 3x that of K, a bare Koa app on the same HTTP stack (koa,
// @koa/router, koa-bodyparser) answering the same request at once. Both are
// measured in the same short run, back to back (`npm run bench -- --budget`),
// so the ratio holds on any machine, fast or slow; the figure itself is
// printed by the bench, only the bound is asserted here.
//
// `npm run test:perf`, not part of `npm test`: the bridge does not meet
// this bound (docs/performance.md: 4.5-6x K on this kind of machine, since
// K is measured over as long a run as the bridge), and a suite that always
// fails would hide every other result. K plus B (the bare XMPP client
// sending the same IQ) alone already costs ~2-2.5x K. The bench's
// ratios to Kd (K at the bridge's rate) and to that floor are printed with
// the failure, not asserted.
import { expect } from 'chai';
import { runBench } from '../support/bench-run.js';
/** The bound; docs/performance.md has the target (2x) and what each run measured. */
const MAX_RATIO = 3;

interface BudgetDocument {
  failedOperations: number;
  budget: {
    perRep: number[];
    ratio: number;
    waitingRatio: number;
    waitingPerRep: number[];
    floorRatio: number;
    floorOverK: number;
    measurements: { system: string; ops: number; bridgeCpuUsPerOp: number; koaCpuUsPerOp: number }[];
  };
}

describe('perf budget: the bridge costs at most 3x a bare Koa request', function () {
  this.timeout(120_000);
  it(`bridge CPU per plain registration / K's, 64 in flight, <= ${MAX_RATIO}`, async () => {
    // --tsx: no compile step (the bridge and K both run under tsx, alike).
    const run = await runBench(['--budget', '--tsx']);
    const { output } = run;
    expect(run.code, output).to.equal(0);
    const doc = run.document<BudgetDocument>();
    expect(doc.failedOperations, output).to.equal(0);
    const a = doc.budget.measurements.filter((m) => m.system === 'A');
    const k = doc.budget.measurements.filter((m) => m.system === 'K');
    expect(a.length, 'bridge measurements').to.be.at.least(5);
    expect(k.length, 'K measurements').to.equal(a.length);
    for (const m of [...a, ...k]) expect(m.ops, 'requests per measurement').to.be.above(100);
    // The median of the bridge's figures over the median of K's: one disturbed measurement of either moves it little.
    const kd =
      `bridge CPU / Kd ${doc.budget.waitingRatio} (per repetition: ${doc.budget.waitingPerRep.join(', ')}); ` +
      `bridge CPU / (K + B) ${doc.budget.floorRatio}, where (K + B) / K is ${doc.budget.floorOverK}`;
    expect(doc.budget.ratio, `bridge CPU / K (per repetition: ${doc.budget.perRep.join(', ')}); ${kd}\n${output}`).to.be.at.most(MAX_RATIO);
  });
});
