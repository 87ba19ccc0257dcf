/** Sidecar hazards: VPS212, 213, 214, 221. */
import { describe, test } from 'node:test';
import { check, checkFix } from './check';

describe('VPS212 work targeted at a sidecar VP before it is online', () => {
  test('early targeting of two sidecar VPs; base VPs and a late start are silent', () => {
    check(`
      host { pcpus 4 }
      vm big {
        vcpus 4
        openhcl {
          sidecar { linux_vps 0-1 }
          task q2 { target_vp 2; rate 1k/s; io 50us }
      #             ^^^^^^^^^^^ warning VPS212: task \`q2\` targets VP 2 from the start, and VP 2 is a sidecar VP that starts outside Linux -> until VP 2 is online the task runs on another online CPU and contends with the work there, and targeting it starts onlining VP 2 (onlining takes 2 ms per VP, one VP at a time behind a global lock; 2 sidecar VPs are targeted, so the last one waits ~4.2 ms)
          task q3 { target_vp 3; rate 1k/s; io 50us }
      #             ^^^^^^^^^^^ warning VPS212: task \`q3\` targets VP 3 from the start
        }
      }
      variant base_vps { vm big { openhcl { task q2 { target_vp 0 }; task q3 { target_vp 1 } } } }
      variant late { vm big { openhcl { task q2 { start 50ms }; task q3 { start 50ms } } } }
    `);
  });

  test('with hot-plug off a sidecar VP is never onlined by itself: a late start does not help', () => {
    check(`
      host { pcpus 2 }
      vm big {
        vcpus 2
        openhcl {
          sidecar { hotplug off }
          task q { target_vp 1; start 500ms; rate 1k/s; io 50us }
      #            ^^^^^^^^^^^ warning VPS212: task \`q\` targets VP 1 from 500 ms
        }
      }
    `);
  });

  test('retargeting to a sidecar VP early', () => {
    check(`
      host { pcpus 4 }
      vm big {
        vcpus 4
        openhcl {
          sidecar { }
          task q {
            target_vp 0
            retarget_vp 3 at 1ms
      #     ^^^^^^^^^^^^^^^^^^^^ warning VPS212: task \`q\` is retargeted to VP 3 at 1 ms, a sidecar VP
            rate 1k/s; io 50us
          }
        }
      }
    `);
  });

  test('no sidecar hazards on VMs where sidecar cannot exist, or for Linux VPs', () => {
    check(`
      host { pcpus 4 }
      vm a { vcpus 4; openhcl { task q { target_vp 3; rate 1k/s; io 50us } } }
      vm b { vcpus 4; openhcl { sidecar { linux_vps 0-3 }; task q { target_vp 3; rate 1k/s; io 50us } } }
    `);
  });

  test('quick fixes: target a Linux VP, or start the VP in Linux', () => {
    const src = `
      host { pcpus 4 }
      vm big { vcpus 4; openhcl { sidecar { linux_vps 0-1 }; task q { target_vp 3; rate 1k/s; io 50us } } }
    `;
    checkFix(src, 'VPS212', `
      host { pcpus 4 }
      vm big { vcpus 4; openhcl { sidecar { linux_vps 0-1 }; task q { target_vp 0; rate 1k/s; io 50us } } }
    `);
    checkFix(src, 'VPS212', `
      host { pcpus 4 }
      vm big { vcpus 4; openhcl { sidecar { linux_vps 0-1,3 }; task q { target_vp 3; rate 1k/s; io 50us } } }
    `, 'linux_vps');
  });
});

describe('VPS213 implicit onlining of a sidecar VP', () => {
  test('waiting for a sidecar VP to be ready, and channel interrupts on sidecar VPs', () => {
    check(`
      host { pcpus 4 }
      vm big {
        vcpus 4
        openhcl {
          sidecar { linux_vps 0-1; hotplug off }
          task init { target_vp 0; once at 0; wait_vp_ready }
          task late { runs_on dedicated; target_vp 2; once at 0; wait_vp_ready; cpu 10us }
      #                                  ^^^^^^^^^^^ warning VPS212: task \`late\` targets VP 2 from the start
      #                                                          ^^^^^^^^^^^^^ warning VPS213: task \`late\` waits for VP 2 to be ready, and VP 2 is a sidecar VP -> waiting onlines it
          storvsp scsi {
      #   ^^^^^^^^^^^^ warning VPS213: 2 channels of \`scsi\` deliver their interrupts to sidecar VPs 2-3
            sub_channels 3
          }
        }
      }
    `);
  });
});

describe('VPS213 quick fix', () => {
  test('check readiness without waiting: wait_vp_ready becomes is_vp_ready (no onlining)', () => {
    checkFix(`
      host { pcpus 4 }
      vm big { vcpus 4; openhcl { sidecar { linux_vps 0-1 }; task late { runs_on dedicated; target_vp 2; once at 0; wait_vp_ready; cpu 10us } } }
    `, 'VPS213', `
      host { pcpus 4 }
      vm big { vcpus 4; openhcl { sidecar { linux_vps 0-1 }; task late { runs_on dedicated; target_vp 2; once at 0; is_vp_ready; cpu 10us } } }
    `);
  });
});

describe('VPS214 sidecar hot-plug off with exit-heavy VPs', () => {
  test('every exit of the remote VPs lands on the base CPU; hot-plug on is silent', () => {
    check(`
      host { pcpus 4 }
      vm big {
        vcpus 4
        openhcl {
          sidecar {
            hotplug off
      #     ^^^^^^^^^^^ warning VPS214: sidecar hot-plug is off -> sidecar VPs 1-3 stay remote for the whole run, and all their exits (~6k/s from \`pio\`) are handled on base CPU 0
          }
        }
        guest { intercept pio { rate 2k/s; duration 20us } }
      }
      variant hotplug { vm big { openhcl { sidecar { hotplug on } } } }
    `);
  });

  test('a few exits are not a hazard', () => {
    check(`
      host { pcpus 4 }
      vm big {
        vcpus 4
        openhcl { sidecar { hotplug off } }
        guest { intercept pio { rate 10/s; duration 20us }; thread t { vcpus 1; every 100ms; exit pio 10us } }
      }
    `);
  });

  test('quick fix: turn hot-plug on', () => {
    checkFix(
      `
      host { pcpus 2 }
      vm big { vcpus 2; openhcl { sidecar { hotplug off } }; guest { thread t { vcpus 1; exit pio 10us } } }
      `,
      'VPS214',
      `
      host { pcpus 2 }
      vm big { vcpus 2; openhcl { sidecar { hotplug on } }; guest { thread t { vcpus 1; exit pio 10us } } }
      `,
    );
  });
});

describe('VPS221 sidecar unsupported', () => {
  test('on aarch64 and on an isolated VM', () => {
    check(`
      host { pcpus 4 }
      vm arm {
        vcpus 2
        openhcl {
          arch aarch64
          sidecar { }
      #   ^^^^^^^ warning VPS221: sidecar exists only on x64 VMs without isolation, and this VM is aarch64
          task q { target_vp 1; rate 1k/s; io 50us }
        }
      }
      vm cvm {
        vcpus 2
        openhcl {
          isolation snp
          sidecar { }
      #   ^^^^^^^ warning VPS221: sidecar exists only on x64 VMs without isolation, and this VM is isolated (snp)
        }
      }
    `);
  });

  test('quick fix: remove the block', () => {
    checkFix(
      `
      host { pcpus 2 }
      vm cvm {
        vcpus 2
        openhcl {
          isolation tdx
          sidecar { hotplug on }
        }
      }
      `,
      'VPS221',
      `
      host { pcpus 2 }
      vm cvm {
        vcpus 2
        openhcl {
          isolation tdx
        }
      }
      `,
    );
  });
});
