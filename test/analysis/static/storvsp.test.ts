/** StorVSP / NetVSP hazards: VPS207, 208, 209, 210, 211. */
import { describe, test } from 'node:test';
import { check, checkFix } from './check';

describe('VPS207 no subchannels on a multi-VP VM', () => {
  test('one worker serialises IO from four vCPUs; subchannels in a variant are silent', () => {
    check(`
      host { pcpus 4 }
      vm db {
        vcpus 4
        openhcl {
          storvsp scsi { disk os { latency 100us } }
      #   ^^^^^^^^^^^^ warning VPS207: controller \`scsi\` has no subchannels -> its one worker (the primary channel, on VP 0) serialises the IO of 4 vCPUs (\`io\`) and every completion interrupts VP 0 -> add subchannels: \`scsi_sub_channels 3\`
        }
        guest { ioload io { disk scsi os; rate 10k/s } }
      }
      variant channels { vm db { openhcl { storvsp scsi { sub_channels 3 } } } }
    `);
  });

  test('no hazard with one submitting vCPU, a one-VP VM, or no IO', () => {
    check(`
      host { pcpus 4 }
      vm a {
        vcpus 4
        openhcl { storvsp scsi { disk os { latency 100us } } }
        guest { ioload io { disk scsi os; rate 10k/s; vcpus 0 } }
      }
      vm b {
        vcpus 1
        openhcl { storvsp scsi { disk os { latency 100us } } }
        guest { ioload io { disk scsi os; rate 10k/s } }
      }
      vm c { vcpus 4; openhcl { storvsp scsi { disk os { latency 100us } } } }
    `);
  });

  test('quick fix: one channel per VP', () => {
    checkFix(
      `
      host { pcpus 4 }
      vm db {
        vcpus 4
        openhcl {
          storvsp scsi {
            disk os { latency 100us }
          }
        }
        guest { ioload io { disk scsi os; rate 10k/s } }
      }
      `,
      'VPS207',
      `
      host { pcpus 4 }
      vm db {
        vcpus 4
        openhcl {
          scsi_sub_channels 3
          storvsp scsi {
            disk os { latency 100us }
          }
        }
        guest { ioload io { disk scsi os; rate 10k/s } }
      }
      `,
    );
  });
});

describe('one channel rule (model/storvspRule.ts) for checker, lowering, simulator and quick fixes', () => {
  test('sub_channels 4 on 4 VPs is clamped to 3, and the quick fix writes 3 (4 channels, one per VP)', () => {
    checkFix(
      `
      host { pcpus 4 }
      vm a { vcpus 4; openhcl { storvsp scsi { sub_channels 4 } } }
      `,
      'VPS208',
      `
      host { pcpus 4 }
      vm a { vcpus 4; openhcl { storvsp scsi { sub_channels 3 } } }
      `,
    );
  });

  test('the VM-wide scsi_sub_channels is checked once, on itself', () => {
    check(`
      host { pcpus 4 }
      vm a {
        vcpus 2
        openhcl {
          scsi_sub_channels 5
      #   ^^^^^^^^^^^^^^^^^^^ warning VPS208: \`scsi_sub_channels 5\` on VM \`a\` is more than OpenHCL opens on a 2-VP VM (at most one channel per VP, so 1 subchannel besides the primary, and 256) -> it is clamped to 1
          storvsp s1 { disk d { latency 1ms } }
          storvsp s2 { disk d { latency 1ms } }
        }
      }
    `);
  });
});

describe('VPS208 subchannels clamped', () => {
  test('StorVSP above the VP count, NetVSP above 32', () => {
    check(`
      host { pcpus 64 }
      vm a {
        vcpus 4
        openhcl {
          storvsp scsi {
            sub_channels 8
      #     ^^^^^^^^^^^^^^ warning VPS208: \`sub_channels 8\` on controller \`scsi\` is more than OpenHCL opens on a 4-VP VM (at most one channel per VP, so 3 subchannels besides the primary, and 256) -> it is clamped to 3: the device runs 4 channels, not 9
          }
        }
      }
      vm b {
        vcpus 64
        openhcl {
          netvsp nic {
            sub_channels 40
      #     ^^^^^^^^^^^^^^^ warning VPS208: \`sub_channels 40\` on NIC \`nic\` is more than OpenHCL opens on a 64-VP VM (at most min(32, VPs)) -> it is clamped to 32
          }
          netvsp nic2 { sub_channels 32 }
          storvsp scsi { sub_channels 63 }
        }
      }
    `);
  });

  test('quick fix: write the clamped number', () => {
    checkFix(
      `
      host { pcpus 4 }
      vm a { vcpus 2; openhcl { storvsp scsi { sub_channels 16 } } }
      `,
      'VPS208',
      `
      host { pcpus 4 }
      vm a { vcpus 2; openhcl { storvsp scsi { sub_channels 1 } } }
      `,
    );
  });
});

describe('VPS209 channel opened without interrupts', () => {
  test('every channel worker lands on VP 0', () => {
    check(`
      host { pcpus 4 }
      vm db {
        vcpus 4
        openhcl {
          storvsp scsi {
            sub_channels 3
            interrupts off
      #     ^^^^^^^^^^^^^^ warning VPS209: the channels of \`scsi\` are opened without interrupts -> all 4 channel workers land on VP 0, whatever VP the guest chose
          }
        }
      }
      variant with_interrupts { vm db { openhcl { storvsp scsi { interrupts on } } } }
    `);
  });

  test('quick fix: interrupts on', () => {
    checkFix(
      `
      host { pcpus 2 }
      vm db { vcpus 2; openhcl { storvsp scsi { sub_channels 1; interrupts off } } }
      `,
      'VPS209',
      `
      host { pcpus 2 }
      vm db { vcpus 2; openhcl { storvsp scsi { sub_channels 1; interrupts on } } }
      `,
    );
  });
});

describe('VPS210 slow disk shares a controller with fast disks', () => {
  test('head-of-line blocking; the separate-controller variant is silent', () => {
    check(`
      host { pcpus 4 }
      vm db {
        vcpus 4
        openhcl {
          storvsp scsi0 {
            sub_channels 3
            poll_mode_queue_depth 64
            disk data { latency exp 150us }
            disk archive { latency 20ms }
      #     ^^^^^^^^^^^^ warning VPS210: disk \`archive\` (20 ms) shares controller \`scsi0\` with faster disk \`data\` (exp mean 150 us) -> IO to all of them goes through the same 4 channels, each with a queue of 32
          }
        }
        guest {
          ioload oltp { disk scsi0 data; rate 20k/s }
          ioload backup { disk scsi0 archive; depth 128 }
        }
      }
      variant separate {
        vm db {
          openhcl { storvsp scsi1 { sub_channels 3; poll_mode_queue_depth 64; disk archive { latency 20ms } } }
          guest { ioload backup { disk scsi1 archive } }
        }
      }
    `);
  });

  test('a queue the scenario does not fill on average: information that it may fill in bursts', () => {
    check(`
      host { pcpus 4 }
      vm db {
        vcpus 4
        openhcl {
          storvsp scsi0 {
            sub_channels 3
            poll_mode_queue_depth 64
            disk data { latency exp 150us }
            disk archive { latency 20ms }
      #     ^^^^^^^^^^^^ info VPS210: disk \`archive\` (20 ms) shares controller \`scsi0\` with faster disk \`data\` (exp mean 150 us) -> IO to all of them goes through the same 4 channels, each with a queue of 32 -> a queue fills only if 32 \`archive\` IOs are pending on one channel at once (the scenario keeps ~16 per channel on average)
          }
        }
        guest {
          ioload oltp { disk scsi0 data; rate 20k/s }
          ioload backup { disk scsi0 archive; depth 64 }
        }
      }
    `);
  });

  test('no hazard when the slow disk gets no IO, or the disks are alike', () => {
    check(`
      host { pcpus 2 }
      vm db {
        vcpus 2
        openhcl {
          storvsp a { sub_channels 1; disk fast { latency 100us }; disk slow { latency 20ms } }
          storvsp b { sub_channels 1; disk x { latency 100us }; disk y { latency 300us } }
        }
        guest {
          ioload f { disk a fast; rate 1k/s }
          ioload g { disk b x; rate 1k/s }
          ioload h { disk b y; rate 1k/s }
        }
      }
    `);
  });

  test('quick fix: move the slow disk to a controller of its own and point its IO there', () => {
    checkFix(
      `
      host { pcpus 2 }
      vm db {
        vcpus 2
        openhcl {
          storvsp scsi {
            sub_channels 1
            disk os { latency 100us }
            disk archive { latency 20ms }
          }
        }
        guest {
          ioload boot { disk scsi os; rate 1k/s }
          ioload backup { disk scsi archive; rate 10/s }
          thread dump { every 100ms; disk_io scsi archive }
        }
      }
      `,
      'VPS210',
      `
      host { pcpus 2 }
      vm db {
        vcpus 2
        openhcl {
          storvsp scsi {
            sub_channels 1
            disk os { latency 100us }
          }
          storvsp scsi_archive {
            sub_channels 1
            disk archive { latency 20ms }
          }
        }
        guest {
          ioload boot { disk scsi os; rate 1k/s }
          ioload backup { disk scsi_archive archive; rate 10/s }
          thread dump { every 100ms; disk_io scsi_archive archive }
        }
      }
      `,
    );
  });
});

describe('VPS211 poll mode with a slow backend', () => {
  test('a slow backend keeps the channels at or above the poll threshold; a raised threshold is silent', () => {
    check(`
      host { pcpus 2 }
      vm db {
        vcpus 2
        openhcl {
          storvsp scsi { sub_channels 1; disk archive { latency 20ms } }
      #   ^^^^^^^^^^^^ info VPS211: controller \`scsi\` switches a channel to poll mode at 1 or more pending IO, and the slow backend of \`archive\` (20 ms) keeps ~8 IOs pending per channel
        }
        guest { ioload backup { disk scsi archive; depth 16 } }
      }
      variant raised { vm db { openhcl { storvsp scsi { poll_mode_queue_depth 32 } } } }
    `);
  });

  test('open-loop load: rate x latency (Little), and fast backends are not flagged', () => {
    check(`
      host { pcpus 2 }
      vm db {
        vcpus 2
        openhcl {
          storvsp a { sub_channels 1; poll_mode_queue_depth 4; disk slow { latency 10ms } }
      #                               ^^^^^^^^^^^^^^^^^^^^^^^ info VPS211: controller \`a\` switches a channel to poll mode at 4 or more pending IOs, and the slow backend of \`slow\` (10 ms) keeps ~5 IOs pending per channel
          storvsp b { sub_channels 1; disk fast { latency 100us } }
        }
        guest {
          ioload s { disk a slow; rate 1k/s }
          ioload f { disk b fast; depth 64 }
        }
      }
    `);
  });

  test('poll mode engages at the threshold (OpenVMM: pending >= poll_mode_queue_depth), not below it', () => {
    check(`
      host { pcpus 2 }
      vm db {
        vcpus 1
        openhcl {
          storvsp at { poll_mode_queue_depth 8; disk archive { latency 20ms } }
      #                ^^^^^^^^^^^^^^^^^^^^^^^ info VPS211: controller \`at\` switches a channel to poll mode at 8 or more pending IOs, and the slow backend of \`archive\` (20 ms) keeps ~8 IOs pending per channel
          storvsp below { poll_mode_queue_depth 9; disk archive { latency 20ms } }
        }
        guest {
          ioload a { disk at archive; depth 8 }
          ioload b { disk below archive; depth 8 }
        }
      }
    `);
  });

  test('quick fix: raise the threshold above the typical pending count', () => {
    checkFix(
      `
      host { pcpus 2 }
      vm db {
        vcpus 2
        openhcl { storvsp scsi { sub_channels 1; disk archive { latency 20ms } } }
        guest { ioload backup { disk scsi archive; depth 16 } }
      }
      `,
      'VPS211',
      `
      host { pcpus 2 }
      vm db {
        vcpus 2
        openhcl { storvsp scsi { poll_mode_queue_depth 16; sub_channels 1; disk archive { latency 20ms } } }
        guest { ioload backup { disk scsi archive; depth 16 } }
      }
      `,
    );
  });
});
