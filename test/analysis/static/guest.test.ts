/** Dual-level scheduling hazard: VPS229 (spinning on an oversubscribed host). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { check, checkFix, fixTitles } from './check';

const NOISE = `load noise { threads 8; cpu 4ms; sleep 4ms }`;

describe('VPS229 spinning on an oversubscribed host', () => {
  test('a spin barrier is fine without oversubscription', () => {
    check(`
      host { pcpus 8 }
      vm omp { vcpus 8; guest { parallel ua { threads 8; work exp 200us; barrier spin } } }
    `);
  });

  test('a spin barrier with a noisy neighbour; paravirt, block and adaptive DoP are silent', () => {
    check(`
      host { pcpus 8; ${NOISE} }
      vm omp {
        vcpus 8
        guest {
          parallel ua {
            threads 8
            work exp 200us
            barrier spin
      #     ^^^^^^^^^^^^ warning VPS229: parallel region \`ua\` waits at its barriers by spinning, and pCPUs 0-7 are oversubscribed (up to 8 vCPUs of \`omp\` plus ~4 CPUs of other work from \`noise\` on 8 pCPUs) -> when a team member's vCPU is preempted, the other 7 threads spin on it until it runs again (user-mode spinning never triggers pause-loop exits)
          }
        }
      }
      variant paravirt { vm omp { guest { parallel ua { barrier paravirt } } } }
      variant block { vm omp { guest { parallel ua { barrier block } } } }
      variant adaptive { vm omp { guest { parallel ua { dop adaptive } } } }
      variant kernel_ple { vm omp { guest { parallel ua { spin_mode kernel } } } }
      variant spin_then_block { vm omp { guest { parallel ua { spin_limit 100us } } } }
    `);
  });

  test('without steal_time, paravirt and adaptive DoP spin like spin: still raised, and the fix is to block', () => {
    check(`
      host { pcpus 8; ${NOISE} }
      vm omp {
        vcpus 8
        guest {
          steal_time off
          parallel ua { threads 8; work exp 200us; barrier paravirt }
      #                                            ^^^^^^^^^^^^^^^^ warning VPS229: parallel region \`ua\` waits at its barriers by spinning (\`steal_time off\`: the guest cannot see preempted siblings, so \`barrier paravirt\` spins like \`spin\`), and pCPUs 0-7
          parallel ub { threads 8; work exp 200us; barrier spin; dop adaptive }
      #                                            ^^^^^^^^^^^^ warning VPS229: parallel region \`ub\` waits at its barriers by spinning (\`steal_time off\`: the guest cannot see preempted siblings, so \`dop adaptive\` keeps the team fixed), and pCPUs 0-7
        }
      }
    `);
    const src = `
      host { pcpus 8; ${NOISE} }
      vm omp { vcpus 8; guest { steal_time off; parallel ua { threads 8; work 200us; barrier paravirt } } }
    `;
    assert.deepEqual(fixTitles(src, 'VPS229'), [['Block at the barrier (`barrier block`)']]);
    checkFix(src, 'VPS229', `
      host { pcpus 8; ${NOISE} }
      vm omp { vcpus 8; guest { steal_time off; parallel ua { threads 8; work 200us; barrier block } } }
    `);
  });

  test('more vCPUs than pCPUs oversubscribe by themselves', () => {
    check(`
      host { pcpus 4 }
      vm omp {
        vcpus 8
        guest {
          parallel ua { threads 8; work 100us }
      #   ^^^^^^^^^^^ warning VPS229: parallel region \`ua\` waits at its barriers by spinning, and pCPUs 0-3 are oversubscribed (up to 8 vCPUs of \`omp\` on 4 pCPUs)
        }
      }
    `);
  });

  test('a variant that adds the neighbour raises it there only', () => {
    check(`
      host { pcpus 8 }
      vm omp { vcpus 8; guest { parallel ua { threads 8; work 200us; barrier spin } } }
      #                                                              ^^^^^^^^^^^^ warning VPS229: In variant \`noisy\`: parallel region \`ua\`
      variant noisy { host { ${NOISE} } }
    `);
  });

  test('spinlocks: ticket locks always, plain spinlocks when PLE cannot help', () => {
    check(`
      host { pcpus 2; load noise { threads 2; cpu 10ms; sleep 1ms } }
      vm a {
        vcpus 2
        guest {
          lock big { kind ticket }
      #              ^^^^^^^^^^^ warning VPS229: lock \`big\` is a ticket lock taken by 2 threads (\`w\`), and pCPUs 0-1 are oversubscribed
          lock small { kind spin }
          thread w { count 2; cpu 50us; lock big 10us; lock small 5us }
        }
      }
      vm b {
        vcpus 2
        guest {
          ple { enabled off }
          lock big { kind spin }
      #              ^^^^^^^^^ warning VPS229: lock \`big\` is a spin lock taken by 2 threads (\`w\`), and pCPUs 0-1 are oversubscribed
          lock m { kind mutex }
          thread w { count 2; cpu 50us; lock big 10us; lock m 10us }
        }
      }
    `);
  });

  test('spinlocks in user space: PLE never helps their waiters, so even a plain spin lock is raised', () => {
    check(`
      host { pcpus 2; load noise { threads 2; cpu 10ms; sleep 1ms } }
      vm a {
        vcpus 2
        guest {
          lock user { kind spin; mode user }
      #               ^^^^^^^^^ warning VPS229: lock \`user\` is a spin lock taken by 2 threads (\`w\`), and pCPUs 0-1 are oversubscribed (up to 2 vCPUs of \`a\` plus ~1.82 CPUs of other work from \`noise\` on 2 pCPUs) -> when the holder is preempted, the waiters spin until its vCPU runs again (lock-holder preemption), and they spin in user mode, where pause-loop exiting never hands the pCPU over
          lock kernel { kind spin; mode kernel }
          thread w { count 2; cpu 50us; lock user 10us; lock kernel 5us }
        }
      }
    `);
  });

  test('quick fixes: adaptive DoP first, then block, paravirt last; a blocking lock', () => {
    const src = `
      host { pcpus 4 }
      vm omp {
        vcpus 8
        guest {
          parallel ua {
            threads 8
            work 100us
            barrier spin
          }
        }
      }
    `;
    checkFix(src, 'VPS229', `
      host { pcpus 4 }
      vm omp {
        vcpus 8
        guest {
          parallel ua {
            threads 8
            work 100us
            barrier paravirt
          }
        }
      }
    `, 'barrier paravirt');
    checkFix(src, 'VPS229', `
      host { pcpus 4 }
      vm omp {
        vcpus 8
        guest {
          parallel ua {
            threads 8
            work 100us
            barrier block
          }
        }
      }
    `, 'barrier block');
    assert.deepEqual(fixTitles(src, 'VPS229')[0].map((t) => /`([^`]+)`/.exec(t)![1]), ['dop adaptive', 'barrier block', 'barrier paravirt']);
    checkFix(src, 'VPS229', `
      host { pcpus 4 }
      vm omp {
        vcpus 8
        guest {
          parallel ua {
            dop adaptive
            threads 8
            work 100us
            barrier spin
          }
        }
      }
    `);
    checkFix(`
      host { pcpus 1 }
      vm a { vcpus 2; guest { ple { enabled off }; lock l; thread w { count 2; lock l 10us } } }
    `, 'VPS229', `
      host { pcpus 1 }
      vm a { vcpus 2; guest { ple { enabled off }; lock l { kind mutex }; thread w { count 2; lock l 10us } } }
    `);
  });

  test('variants based on another: hazards follow the chain, fixes go into the variant that raises them', () => {
    check(`
      host { pcpus 8 }
      vm omp { vcpus 8; guest { parallel ua { threads 8; work 200us; barrier spin } } }
      #                                                              ^^^^^^^^^^^^ warning VPS229: In variants \`noisy\` and \`noisy_user\`: parallel region \`ua\`
      variant noisy { host { ${NOISE} } }
      variant noisy_user { based_on noisy; vm omp { guest { parallel ua { spin_mode user } } } }
      variant noisy_block { based_on noisy; vm omp { guest { parallel ua { barrier block } } } }
    `);
    // In a variant based on one that sets the barrier, the hazard points at the setting there.
    const { hazards } = check(`
      host { pcpus 8 }
      vm omp { vcpus 8; guest { parallel ua { threads 8; work 200us; barrier block } } }
      variant noisy_spin { host { ${NOISE} }; vm omp { guest { parallel ua { barrier spin } } } }
      #                                                                                                          ^^^^^^^^^^^^ warning VPS229: In variants \`noisy_spin\` and \`more\`: parallel region \`ua\`
      variant more { based_on noisy_spin; vm omp { guest { parallel ua { rounds 10 } } } }
    `);
    assert.equal(hazards[0].fixes, undefined, 'two variants share it: no fix');
  });

  test('a fix for a variant-only hazard goes into that variant', () => {
    checkFix(`
      host { pcpus 8 }
      vm omp { vcpus 8; guest { parallel ua { threads 8; work 200us } } }
      variant noisy { host { ${NOISE} } }
    `, 'VPS229', `
      host { pcpus 8 }
      vm omp { vcpus 8; guest { parallel ua { threads 8; work 200us } } }
      variant noisy { vm omp { guest { parallel ua { dop adaptive } } }; host { ${NOISE} } }
    `);
  });
});
