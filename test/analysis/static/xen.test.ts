/** Xen cpupool hazard: VPS223 (weights under pinning). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { check, checkFix, fixTitles } from './check';

describe('VPS223 weights not honoured under pinning', () => {
  test('two pinned domains with different weights; a pool of their own is silent', () => {
    check(`
      host { pcpus 8; sched credit }
      vm a {
        vcpus 2
        cpus 4-5
      # ^^^^^^^^ warning VPS223: domain \`a\` (weight 512) is pinned to pCPUs 4-5 of pool \`Pool-0\` (pCPUs 0-7), sharing them with \`b\` (weight 256) -> the credit scheduler hands out credit pool-wide by weight
        cpu_weight 512
      }
      vm b {
        vcpus 2
        cpus 4-5
      # ^^^^^^^^ warning VPS223: domain \`b\` (weight 256) is pinned to pCPUs 4-5 of pool \`Pool-0\` (pCPUs 0-7), sharing them with \`a\` (weight 512)
      }
      variant own_pool {
        host { pool lic { cpus 4-5 } }
        vm a { pool lic }
        vm b { pool lic }
      }
    `);
  });

  test('an unpinned domain of another weight on the same pCPUs counts too (credit2)', () => {
    check(`
      host { pcpus 4; sched credit2 }
      vm pinned {
        vcpus 1
        cpus 3
      # ^^^^^^ warning VPS223: domain \`pinned\` (weight 256) is pinned to pCPU 3 of pool \`Pool-0\` (pCPUs 0-3), sharing them with \`free\` (weight 1024) -> the credit2 scheduler resets credit for the whole pool only when its best queued vCPU has none left
      }
      vm free { vcpus 4; cpu_weight 1024 }
    `);
  });

  test('no hazard: equal weights, disjoint pins, a whole pool, or a Linux host', () => {
    check(`
      host {
        pcpus 8
        sched credit
        pool p1 { cpus 4-7 }
      }
      vm a { vcpus 2; cpus 2-3 }
      vm b { vcpus 2; cpus 2-3 }
      vm c { vcpus 2; pool p1; cpus 4-5; cpu_weight 512 }
      vm d { vcpus 2; pool p1; cpus 6-7; cpu_weight 128 }
    `);
    check(`
      host { pcpus 8; sched credit; pool p1 { cpus 4-7 } }
      vm whole { vcpus 2; pool p1; cpus 4-7; cpu_weight 512 }
      vm other { vcpus 2; pool p1 }
    `);
    check(`
      host { pcpus 4 }
      vm a { vcpus 2; cpus 2-3; nice -5 }
      vm b { vcpus 2; cpus 2-3 }
    `);
  });

  test('quick fix: a cpupool of their own, the domains moved there', () => {
    checkFix(
      `
      host {
        pcpus 8
        sched credit
      }
      vm a {
        vcpus 2
        cpus 4-5
        cpu_weight 512
      }
      vm b {
        vcpus 2
        cpus 4-5
      }
      `,
      'VPS223',
      `
      host {
        pool a-pool { cpus 4-5; sched credit }
        pcpus 8
        sched credit
      }
      vm a {
        pool a-pool
        vcpus 2
        cpus 4-5
        cpu_weight 512
      }
      vm b {
        pool a-pool
        vcpus 2
        cpus 4-5
      }
      `,
    );
  });

  test('quick fix shrinks a written pool and widens the pins', () => {
    checkFix(
      `
      host { pcpus 8; sched credit; pool work { cpus 2-7 } }
      vm a { vcpus 2; pool work; cpus 4; cpu_weight 512 }
      vm b { vcpus 2; pool work; cpus 4-5 }
      `,
      'VPS223',
      `
      host { pool a-pool { cpus 4-5; sched credit }; pcpus 8; sched credit; pool work { cpus 2-3,6-7 } }
      vm a { vcpus 2; pool a-pool; cpus 4-5; cpu_weight 512 }
      vm b { vcpus 2; pool a-pool; cpus 4-5 }
      `,
    );
  });

  test('no pool fix when CPU 0 would have to leave Pool-0, or dom0 would have to move', () => {
    assert.deepEqual(fixTitles(`
      host { pcpus 4; sched credit }
      vm a { vcpus 1; cpus 0-1; cpu_weight 512 }
      vm b { vcpus 1; cpus 0-1 }
    `, 'VPS223'), [[], []]);
    assert.deepEqual(fixTitles(`
      host { pcpus 4; sched credit }
      vm d0 { vcpus 1; dom0 on; cpus 2-3; cpu_weight 512 }
      vm b { vcpus 1; cpus 2-3 }
    `, 'VPS223'), [[], []]);
  });
});
