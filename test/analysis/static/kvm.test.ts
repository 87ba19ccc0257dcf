/** vCPU priority hazards on Linux/KVM hosts: VPS226, 227, 228. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { check, checkFix } from './check';
import { fmtAbout, fmtCount } from '../../../server/src/analysis/static/format';

const BUSY_HOST = `
  host {
    pcpus 4
    load hog { threads 4; cpu 10ms; sleep 1ms }
    load hostlat { every 1ms; cpu 50us }
  }
`;

describe('VPS226 static RT priority for all vCPUs', () => {
  test('static boost and an RT policy starve host threads; dynamic boosting is silent', () => {
    check(`
      ${BUSY_HOST}
      vm rt {
        vcpus 4
        boost static_rt
      # ^^^^^^^^^^^^^^^ warning VPS226: VM \`rt\` runs all 4 vCPU threads at a static real-time priority (static boost) -> on pCPUs 0-3 they always run ahead of normal host threads (host load \`hog\` and host load \`hostlat\`)
      }
      vm fifo {
        vcpus 2
        policy fifo
      # ^^^^^^^^^^^ warning VPS226: VM \`fifo\` runs all 2 vCPU threads at a static real-time priority (policy fifo)
      }
      variant dynamic { vm rt { boost dynamic }; vm fifo { policy normal; boost dynamic } }
    `);
  });

  test('quick fixes: dynamic boosting', () => {
    checkFix(
      `
      host { pcpus 2 }
      vm rt { vcpus 2; boost static_rt }
      `,
      'VPS226',
      `
      host { pcpus 2 }
      vm rt { vcpus 2; boost dynamic }
      `,
    );
    checkFix(
      `
      host { pcpus 2 }
      vm rt { vcpus 2; policy rr }
      `,
      'VPS226',
      `
      host { pcpus 2 }
      vm rt { boost dynamic; vcpus 2; policy normal }
      `,
    );
  });
});

describe('VPS227 boost policy keeps vCPUs boosted too long', () => {
  test('each risky setting on its own line; the defaults are silent', () => {
    check(`
      host { pcpus 4 }
      vm a {
        vcpus 4
        boost dynamic {
          trigger pending
      #   ^^^^^^^^^^^^^^^ warning VPS227: VM \`a\` boosts on pending interrupts -> a vCPU is boosted as soon as an interrupt is pending, even while the guest has interrupts masked and will not take it for a while (\`net\` is masked 30% of the time, in windows of 50 us)
          interrupts timer,nmi,device
      #   ^^^^^^^^^^^^^^^^^^^^^^^^^^^ warning VPS227: VM \`a\` boosts on device interrupts -> not every interrupt is high priority: \`net\` boost vCPUs
          preempt_limit 0
      #   ^^^^^^^^^^^^^^^ warning VPS227: VM \`a\` boosts with no preempt-disabled limit
          guest_unboosts off
      #   ^^^^^^^^^^^^^^^^^^ warning VPS227: the guest of VM \`a\` does not unboost host-initiated boosts
          nested on
      #   ^^^^^^^^^ warning VPS227: VM \`a\` lets its nested (L2) guest's interrupts boost its vCPUs
        }
        guest { irq net { rate 10k/s; kind device; masked 30% } }
      }
      vm b { vcpus 4; boost dynamic { trigger injection; preempt_limit 3ms } }
    `);
  });

  test('quick fix: keep only high-priority interrupts', () => {
    checkFix(
      `
      host { pcpus 2 }
      vm a { vcpus 2; boost dynamic { interrupts timer,ipi,nmi } }
      `,
      'VPS227',
      `
      host { pcpus 2 }
      vm a { vcpus 2; boost dynamic { interrupts timer,nmi } }
      `,
    );
    checkFix(
      `
      host { pcpus 2 }
      vm a { vcpus 2; boost dynamic { preempt_limit 0 } }
      `,
      'VPS227',
      `
      host { pcpus 2 }
      vm a { vcpus 2; boost dynamic { preempt_limit 3ms } }
      `,
    );
  });
});

describe('VPS228 latency-sensitive guest work on an oversubscribed host', () => {
  test('a cyclic RT thread behind host hogs; boosting is silent', () => {
    check(`
      ${BUSY_HOST}
      vm rt {
        vcpus 4
        guest {
          thread cyclic { vcpus 0-3; count 4; rt on; every 500us; cpu 10us }
      #   ^^^^^^^^^^^^^ warning VPS228: thread \`cyclic\` is latency-sensitive (rt, every 500 us) and pCPUs 0-3 are oversubscribed: up to 4 vCPUs of \`rt\` plus ~3.69 CPUs of other work (\`hog\` and \`hostlat\`) on 4 pCPUs
        }
      }
      variant dynamic_boost { vm rt { boost dynamic } }
    `);
  });

  // Found by attack11: "pCPU 0 are oversubscribed: up to 2 vCPUs ... plus ~0 CPUs of other work on 1 pCPUs".
  test('one pCPU, one vCPU, little or no other work: singular where it is one, no "~0 CPUs"', () => {
    check(`
      host { pcpus 1; load tick { threads 1; every 1s; cpu 10us } }
      vm rt { vcpus 2; guest { thread cyclic { count 2; rt on; every 1ms; cpu 10us } } }
      #                        ^^^^^^^^^^^^^ warning VPS228: thread \`cyclic\` is latency-sensitive (rt, every 1 ms) and pCPU 0 is oversubscribed: up to 2 vCPUs of \`rt\` plus under 0.001 CPUs of other work on 1 pCPU ->
    `);
    check(`
      host { pcpus 1 }
      vm rt { vcpus 2; guest { thread cyclic { count 2; rt on; every 1ms; cpu 10us } } }
      #                        ^^^^^^^^^^^^^ warning VPS228: thread \`cyclic\` is latency-sensitive (rt, every 1 ms) and pCPU 0 is oversubscribed: up to 2 vCPUs of \`rt\` on 1 pCPU ->
    `);
    check(`
      host { pcpus 1; load hog { threads 1; cpu 10ms } }
      vm rt { vcpus 1; guest { thread cyclic { rt on; every 1ms; cpu 10us } } }
      #                        ^^^^^^^^^^^^^ warning VPS228: thread \`cyclic\` is latency-sensitive (rt, every 1 ms) and pCPU 0 is oversubscribed: up to 1 vCPU of \`rt\` plus ~1 CPU of other work (\`hog\`) on 1 pCPU ->
    `);
  });

  test('amounts in messages: singular exactly when the number shown is 1, never "~0" for a positive amount', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), (x) => {
        const about = fmtAbout(x, 'CPU');
        if (x > 0) assert.ok(!/^~0 /.test(about), about);
        const count = fmtCount(x, 'vCPU');
        assert.equal(count.endsWith(' vCPU'), count.startsWith('1 '), count);
      }),
    );
  });

  test('no hazard: an idle host, pCPUs of its own, or a Xen pool', () => {
    check(`
      host { pcpus 4 }
      vm rt { vcpus 4; guest { thread cyclic { count 4; every 500us; cpu 10us } } }
    `);
    check(`
      host { pcpus 8; load hog { threads 4; cpus 4-7; cpu 10ms } }
      vm rt { vcpus 4; cpus 0-3; guest { thread cyclic { count 4; every 500us; cpu 10us } } }
    `);
    check(`
      host { pcpus 4; sched credit }
      vm batch { vcpus 4; guest { thread t { count 4; cpu 10ms } } }
      vm rt { vcpus 4; guest { thread cyclic { count 4; every 500us; cpu 10us } } }
    `);
  });

  test('quick fix: boost dynamic', () => {
    checkFix(
      `
      host { pcpus 2; load hog { threads 2; cpu 10ms } }
      vm rt {
        vcpus 2
        guest { thread cyclic { rt on; every 1ms; cpu 10us } }
      }
      `,
      'VPS228',
      `
      host { pcpus 2; load hog { threads 2; cpu 10ms } }
      vm rt {
        boost dynamic
        vcpus 2
        guest { thread cyclic { rt on; every 1ms; cpu 10us } }
      }
      `,
    );
  });
});
