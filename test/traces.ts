/**
 * Where the real KVM host traces live: the project's shared data beside the clone
 * (`../shared/traces`, as CI lays it out), or `VPSCOPE_TRACES` for a clone elsewhere. One place, so
 * that every test and benchmark reads the same directory.
 */
import { resolve } from 'node:path';

export const TRACES_DIR = process.env.VPSCOPE_TRACES ? resolve(process.env.VPSCOPE_TRACES) : resolve(__dirname, '..', '..', 'shared', 'traces');
