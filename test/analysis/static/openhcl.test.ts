/**
 * Paravisor hazards on the per-VP executors: VPS201, 202, 204, 205, 206, 216, 217, 218, 219.
 * Each hazard has positive cases, negative cases (including the mitigation as a variant, which
 * must stay silent) and its quick fixes applied.
 */
import { describe, test } from 'node:test';
import { check, checkFix } from './check';

describe('VPS201 in the thread backend: untargeted drivers share the default driver thread', () => {
  test('a blocking call delays the other untargeted drivers; a target_vp gives its own thread', () => {
    check(`
      host { pcpus 4 }
      vm a {
        vcpus 2
        openhcl {
          backend thread
          task vmgs { every 2ms; syscall 1ms }
      #                          ^^^^^^^^^^^ warning VPS201: task \`vmgs\` has no target_vp, so in the thread backend it runs on the one default driver thread it shares with \`tick\`
          task tick { every 1ms; cpu 10us }
        }
      }
      vm b {
        vcpus 2
        openhcl {
          backend thread
          task vmgs { target_vp 1; every 2ms; syscall 1ms }
          task tick { every 1ms; cpu 10us }
        }
      }
    `);
  });
});

describe('VPS201 blocking call in a worker on a VP thread', () => {
  test('a blocking syscall stalls the other tasks of the VP; the dedicated-thread variant is silent', () => {
    check(`
      host { pcpus 4 }
      vm web {
        vcpus 4
        openhcl {
          task vmgs {
            target_vp 2
            every 20ms
            cpu 50us
            syscall 2ms
      #     ^^^^^^^^^^^ warning VPS201: task \`vmgs\` on VP 2 does a blocking syscall (2 ms) -> the VP thread is blocked in the kernel -> every other task on VP 2 (\`nvme\`) and VP 2's guest stall
          }
          task nvme { target_vp 2; rate 1k/s; cpu 5us; io 50us }
        }
      }
      variant dedicated { vm web { openhcl { task vmgs { runs_on dedicated } } } }
      variant async_io { vm web { openhcl { task vmgs { cpu 50us; io 2ms } } } }
    `);
  });

  test('a blocking GET call counts; an untargeted task lands on VP 0', () => {
    check(`
      host { pcpus 2 }
      vm web {
        vcpus 2
        openhcl {
          task rtc { every 100ms; get 500us }
      #                           ^^^^^^^^^ warning VPS201: task \`rtc\` (no target_vp: it runs and completes its IO on VP 0) does a blocking GET/VMGS call (500 us) -> the VP thread is blocked in the kernel -> VP 0's guest (VTL0), and any task later targeted at VP 0, stall
        }
      }
    `);
  });

  test('no hazard off the VP threads: async GET, dedicated thread, thread backend', () => {
    check(`
      host { pcpus 2 }
      vm a {
        vcpus 2
        openhcl {
          task t1 { every 100ms; get 500us async }
          task t2 { runs_on dedicated; every 100ms; syscall 5ms }
        }
      }
      vm b {
        vcpus 2
        openhcl {
          backend thread
          task t3 { target_vp 1; every 100ms; syscall 5ms }
        }
      }
    `);
  });

  test('quick fix: run the task on a dedicated thread', () => {
    checkFix(
      `
      host { pcpus 2 }
      vm web {
        vcpus 2
        openhcl {
          task vmgs {
            every 20ms
            syscall 2ms
          }
        }
      }
      `,
      'VPS201',
      `
      host { pcpus 2 }
      vm web {
        vcpus 2
        openhcl {
          task vmgs {
            runs_on dedicated
            every 20ms
            syscall 2ms
          }
        }
      }
      `,
    );
  });

  test('quick fix: make it asynchronous IO', () => {
    checkFix(
      `
      host { pcpus 2 }
      vm web { vcpus 2; openhcl { task vmgs { every 20ms; syscall 2ms } } }
      `,
      'VPS201',
      `
      host { pcpus 2 }
      vm web { vcpus 2; openhcl { task vmgs { every 20ms; io 2ms } } }
      `,
      'asynchronous IO',
    );
  });

  test('quick fix: make a GET call async', () => {
    checkFix(
      `
      host { pcpus 2 }
      vm web { vcpus 2; openhcl { task g { every 20ms; get 1ms blocking } } }
      `,
      'VPS201',
      `
      host { pcpus 2 }
      vm web { vcpus 2; openhcl { task g { every 20ms; get 1ms async } } }
      `,
      'GET call asynchronous',
    );
  });
});

describe('VPS202 long CPU stretch without yielding on a VP thread', () => {
  test('a compute step longer than the stall threshold', () => {
    check(`
      host { pcpus 2 }
      vm web {
        vcpus 2
        openhcl {
          task crc { target_vp 1; every 10ms; cpu 2ms }
      #                                       ^^^^^^^ warning VPS202: task \`crc\` on VP 1 computes for 2 ms without yielding, longer than the stall threshold (1 ms)
          task nvme { target_vp 1; rate 1k/s; cpu 5us; io 50us }
        }
      }
      variant dedicated { vm web { openhcl { task crc { runs_on dedicated } } } }
    `);
  });

  test('the tail counts: exp mean 300 us reaches 1.4 ms; a higher stall_threshold silences it', () => {
    check(`
      host { pcpus 2 }
      vm web {
        vcpus 2
        openhcl {
          task parse { target_vp 1; every 10ms; cpu exp 300us }
      #                                         ^^^^^^^^^^^^^ warning VPS202: task \`parse\` on VP 1 computes for exp mean 300 us, up to ~1.38 ms without yielding
        }
      }
      variant relaxed { scenario { stall_threshold 5ms } }
    `);
  });

  test('a task that is always ready: a loop with no wait, a period shorter than its work, saturating arrivals', () => {
    check(`
      host { pcpus 4 }
      vm web {
        vcpus 4
        openhcl {
          task spin { target_vp 1; cpu 100us }
      #   ^^^^^^^^^ warning VPS202: task \`spin\` on VP 1 loops without ever waiting
          task tick { target_vp 2; every 100us; cpu 80us; syscall 30us }
      #   ^^^^^^^^^ warning VPS202: task \`tick\` on VP 2 runs every 100 us but each pass keeps its thread busy for ~110 us
      #                                                   ^^^^^^^^^^^^ warning VPS201
          task rx { target_vp 3; rate 20k/s; cpu 60us; io 10us }
      #   ^^^^^^^ warning VPS202: task \`rx\` on VP 3 arrives at 20k/s and each pass keeps its thread busy for ~60 us
        }
      }
    `);
  });

  test('no hazard: short steps with waits, or off the VP threads', () => {
    check(`
      host { pcpus 2 }
      vm web {
        vcpus 2
        openhcl {
          task poll { target_vp 1; cpu 20us; sleep 100us }
          task crunch { runs_on dedicated; cpu 50ms }
        }
      }
    `);
  });
});

describe('VPS204 VTL2 operation handled by the root or the hypervisor', () => {
  test('an MMIO write and a hypercall from a VP-thread task; a dedicated thread is not flagged', () => {
    check(`
      host { pcpus 2 }
      vm web {
        vcpus 2
        openhcl {
          task doorbell { target_vp 1; rate 1k/s; cpu 2us; root_op mmio 20us }
      #                                                    ^^^^^^^^^^^^^^^^^ warning VPS204: task \`doorbell\` on VP 1 makes an MMIO write the root handles (20 us) -> VP 1 is held until it returns
          task hv { target_vp 0; every 1ms; root_op hypercall 5us; intercept 10us }
      #                                     ^^^^^^^^^^^^^^^^^^^^^ warning VPS204: task \`hv\` on VP 0 makes a hypercall the root handles (5 us)
      #                                                            ^^^^^^^^^^^^^^ warning VPS204: task \`hv\` on VP 0 makes a hypervisor intercept (10 us)
          task side { runs_on dedicated; every 1ms; root_op mmio 20us }
        }
      }
    `);
  });
});

describe('VPS205 io_uring cancel disabled', () => {
  test('work woken on the ring waits for the natural VTL0 exit; the cancel_on variant is silent', () => {
    check(`
      host { pcpus 4 }
      vm web {
        vcpus 4
        openhcl {
          io_uring_cancel off
      #   ^^^^^^^^^^^^^^^^^^^ warning VPS205: io_uring cancel is off -> completions and timers for \`nvme\` (VP 1) do not bring their VP back from VTL0 -> that work waits until the guest exits on its own (residence exp mean 2 ms, up to ~9.21 ms)
          task nvme { target_vp 1; rate 2k/s; cpu 5us; io exp 50us }
        }
        guest { residence exp 2ms }
      }
      variant cancel_on { vm web { openhcl { io_uring_cancel on } } }
    `);
  });

  test('storvsp channel workers with IO count as waiting work', () => {
    check(`
      host { pcpus 2 }
      vm web {
        vcpus 2
        openhcl {
          io_uring_cancel off
      #   ^^^^^^^^^^^^^^^^^^^ warning VPS205: io_uring cancel is off -> completions and timers for the channel workers of \`scsi\` (VPs 0-1)
          storvsp scsi { sub_channels 1; disk os { latency 100us } }
        }
        guest { ioload io { disk scsi os; rate 1k/s } }
      }
    `);
  });

  test('no hazard when nothing on the VP threads waits for a wake-up, or under the thread backend', () => {
    check(`
      host { pcpus 2 }
      vm a {
        vcpus 2
        openhcl {
          io_uring_cancel off
          task side { runs_on dedicated; rate 1k/s; io 50us }
        }
      }
      vm b {
        vcpus 2
        openhcl {
          backend thread
          io_uring_cancel off
          task t { target_vp 1; rate 1k/s; io 50us }
        }
      }
    `);
  });

  test('quick fix: turn the cancel on', () => {
    checkFix(
      `
      host { pcpus 2 }
      vm web { vcpus 2; openhcl { io_uring_cancel off; task t { target_vp 1; rate 1k/s; io 50us } } }
      `,
      'VPS205',
      `
      host { pcpus 2 }
      vm web { vcpus 2; openhcl { io_uring_cancel on; task t { target_vp 1; rate 1k/s; io 50us } } }
      `,
    );
  });
});

describe('VPS206 untargeted IO completes on VP 0', () => {
  test('two untargeted IO sources; targeting them in a variant is silent', () => {
    check(`
      host { pcpus 4 }
      vm web {
        vcpus 4
        openhcl {
          task a { rate 1k/s; cpu 5us; io 50us }
      #   ^^^^^^ warning VPS206: task \`a\` has no target_vp -> its IO goes through VP 0's io_uring, like that of \`b\` (2 untargeted IO sources)
          task b { rate 1k/s; cpu 5us; io 50us }
      #   ^^^^^^ warning VPS206: task \`b\` has no target_vp
        }
      }
      variant targeted { vm web { openhcl { task a { target_vp 1 }; task b { target_vp 2 } } } }
    `);
  });

  test('one untargeted source, a one-VP VM, or tasks without IO: no hazard', () => {
    check(`
      host { pcpus 4 }
      vm a { vcpus 4; openhcl { task x { rate 1k/s; io 50us }; task y { target_vp 1; rate 1k/s; io 50us } } }
      vm b { vcpus 1; openhcl { task x { rate 1k/s; io 50us }; task y { rate 1k/s; io 50us } } }
      vm c { vcpus 4; openhcl { task x { every 1ms; cpu 5us }; task y { every 1ms; cpu 5us } } }
    `);
  });

  test('quick fix: target a VP other than 0', () => {
    checkFix(
      `
      host { pcpus 4 }
      vm web { vcpus 4; openhcl { task a { rate 1k/s; io 50us }; task b { rate 1k/s; io 50us } } }
      `,
      'VPS206',
      `
      host { pcpus 4 }
      vm web { vcpus 4; openhcl { task a { target_vp 1; rate 1k/s; io 50us }; task b { rate 1k/s; io 50us } } }
      `,
    );
  });
});

describe('VPS216 VP-to-CPU mapping not the identity', () => {
  test('a swapped and a shared CPU; the identity is silent', () => {
    check(`
      host { pcpus 4 }
      vm a {
        vcpus 4
        openhcl {
          vp_cpu_map 0,2,1,3
      #   ^^^^^^^^^^^^^^^^^^ warning VPS216: \`vp_cpu_map\` runs VP 1 on CPU 2 and VP 2 on CPU 1 -> OpenHCL pins VP N's executor to CPU N
        }
      }
      vm b {
        vcpus 4
        openhcl {
          vp_cpu_map 0,1,1,3
      #   ^^^^^^^^^^^^^^^^^^ warning VPS216: \`vp_cpu_map\` runs VP 2 on CPU 1
        }
      }
      vm c { vcpus 4; openhcl { vp_cpu_map 0,1,2,3 } }
    `);
  });

  test('quick fix: remove the map', () => {
    checkFix(
      `
      host { pcpus 2 }
      vm a {
        vcpus 2
        openhcl {
          vp_cpu_map 1,0
        }
      }
      `,
      'VPS216',
      `
      host { pcpus 2 }
      vm a {
        vcpus 2
        openhcl {
        }
      }
      `,
    );
  });
});

describe('VPS217 guest operations that wait on a GET/VMGS round trip', () => {
  test('RTC writes, PAM remaps and frequent RTC reads in an OpenHCL guest', () => {
    check(`
      host { pcpus 2 }
      vm web {
        vcpus 2
        openhcl { }
        guest {
          thread clock { vcpus 1; every 100ms; rtc_write; cpu 10us }
      #                                        ^^^^^^^^^ warning VPS217: thread \`clock\` writes the guest RTC -> OpenHCL handles the write in VTL2 and waits for a VMGS save through the GET -> the VP running \`clock\` (vCPU 1) stalls
          thread boot { once at 1ms; pam_remap }
      #                              ^^^^^^^^^ warning VPS217: thread \`boot\` remaps PAM/ROM
          thread poll { every 10ms; rtc_read }
      #                             ^^^^^^^^ warning VPS217: thread \`poll\` reads the RTC about 100/s -> OpenHCL asks the host at most once a second
          thread slow { every 2s; rtc_read }
        }
      }
    `);
  });

  test('without OpenHCL the host handles them: no hazard', () => {
    check(`
      host { pcpus 2 }
      vm web { vcpus 2; guest { thread clock { every 10ms; rtc_write; rtc_read } } }
    `);
  });
});

describe('VPS218 blocking GET call from the GET worker', () => {
  test('deadlock on the GET worker; async is silent', () => {
    check(`
      host { pcpus 2 }
      vm web {
        vcpus 2
        openhcl {
          task vmgs { runs_on get_worker; every 10ms; get 1ms }
      #                                               ^^^^^^^ warning VPS218: task \`vmgs\` runs on the GET worker thread and makes a blocking GET/VMGS call -> the call waits for a reply only the GET worker itself can produce -> deadlock
        }
      }
      variant fixed { vm web { openhcl { task vmgs { every 10ms; get 1ms async } } } }
    `);
  });

  test('quick fix: make the call async', () => {
    checkFix(
      `
      host { pcpus 2 }
      vm web { vcpus 2; openhcl { task vmgs { runs_on get_worker; every 10ms; get 1ms } } }
      `,
      'VPS218',
      `
      host { pcpus 2 }
      vm web { vcpus 2; openhcl { task vmgs { runs_on get_worker; every 10ms; get 1ms async } } }
      `,
    );
  });
});

describe('VPS219 running worker inspected often', () => {
  test('inspect every 100 ms; every 10 s with short passes is fine', () => {
    check(`
      host { pcpus 2 }
      vm web {
        vcpus 2
        openhcl {
          task nvme { target_vp 1; inspect_every 100ms; cpu 10us; io 20ms }
      #                            ^^^^^^^^^^^^^^^^^^^ warning VPS219: task \`nvme\` is inspected every 100 ms -> each inspect stops the worker's run (TaskControl/AsyncRun), inspects it and restarts it, ~10 times a second; a pass takes ~20 ms, so ~18.1% of passes are cut short
          task scsi { target_vp 1; inspect_every 10s; cpu 10us; io 100us }
        }
      }
    `);
  });
});
