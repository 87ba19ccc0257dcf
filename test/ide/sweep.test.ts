/**
 * Editor features inside `sweep { ... }` (issue 11): completion offers the keywords of each block
 * on the path and, for a named block, the names the base scenario has there; hover explains the
 * setting being swept and, on `sweep`, what the sweep runs.
 */
import { describe, test } from 'node:test';
import { checkCompletion, checkHover } from './check';

const BASE = `scenario { duration 20ms; seeds 4 }
host { pcpus 4
  load noise { threads 2; cpu 1ms } }
vm web { vcpus 2
  guest { thread t { every 1ms; cpu 100us } } }
vm db { vcpus 1 }
`;

describe('inside a sweep', () => {
  test('completion: top-level blocks, then the names the base has, then the settings of the block', () => {
    checkCompletion(`${BASE}sweep { $0 }`, 'host scenario vm');
    checkCompletion(`${BASE}sweep { vm $0 }`, 'db web');
    checkCompletion(`${BASE}sweep { host { load $0 } }`, 'noise');
    checkCompletion(`${BASE}sweep { vm web { guest { thread $0 } } }`, 't');
  });
  test('completion and hover inside a sweep of several settings (crossed)', () => {
    checkCompletion(`${BASE}sweep {\n  vm web { vcpus 2, 4 }\n  host { load $0 }\n}`, 'noise');
    checkCompletion(`${BASE}sweep {\n  host { pcpus 2, 4 }\n  vm $0\n}`, 'db web');
    checkCompletion(`${BASE}sweep { vm web { vcpus 2, 4; guest { thread $0 } } }`, 't');
    checkHover(`${BASE}sweep {\n  vm web { vcpus 2, 4 }\n  host { load noise { thr$0eads 1..3 } }\n}`, 'threads');
    checkHover(`${BASE}sw$0eep {\n  vm web { vcpus 2, 4 }\n  host { load noise { threads 1..3 } }\n}`, '`vm web.vcpus` takes 2 values: `2`, `4`. `host.load noise.threads` takes 3 values', 'Crossed: 2 x 3 = 6 points', '6 x 4 seeds = 24 runs per selected variant');
    checkHover(`${BASE}sweep { vm web { vcpus 2, 4 } }\nsw$0eep { host { pcpus 4, 8, 16 } }`, '`host.pcpus` takes 3 values', "Crossed with the file's other sweeps: 2 x 3 = 6 points");
  });
  test('hover: the swept setting\'s documentation; on `sweep`, its values and runs', () => {
    checkHover(`${BASE}sweep { vm web { vc$0pus 2..16 step 2 } }`, 'vcpus', 'Number of vCPUs');
    checkHover(`${BASE}sw$0eep { vm web { vcpus 2..16 step 2 } }`, 'A parameter sweep', '**This sweep:** `vm web.vcpus` takes 8 values: `2`, `4`', '`16`', '8 x 4 seeds = 32 runs per selected variant');
    checkHover(`${BASE.replace('; seeds 4', '')}sw$0eep { host { load noise { threads 1, 2 } } }`, '`host.load noise.threads` takes 2 values', '2 x 1 seed (no `seeds` in the file');
  });
});
