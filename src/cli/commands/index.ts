import type { Command } from 'commander';
import { registerAccept } from './accept';
import { registerBackup } from './backup';
import { registerDrill } from './drill';
import { registerReport } from './report';
import { registerInit } from './init';
import { registerList } from './list';
import { registerPrune } from './prune';
import { registerRestore } from './restore';
import { registerVerify } from './verify';
import { registerRecover } from './recover';
import { registerStatus } from './status';
import { registerSelftest } from './selftest';
import { registerOffsite } from './offsite';

/** Each command lives in its own file and registers itself here. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  registerBackup,
  registerDrill,
  registerReport,
  registerInit,
  registerList,
  registerVerify,
  registerRestore,
  registerPrune,
  registerAccept,
  registerRecover,
  registerStatus,
  registerSelftest,
  registerOffsite,
];
