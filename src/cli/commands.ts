/** Every CLI command, in the order `triggerfish --help` lists them. */
import { backsampleCommand } from './backsample.js';
import { benchCommand } from './bench.js';
import type { Command } from './command.js';
import { exportCommand } from './export.js';
import { gcgCommand } from './gcg.js';
import { generateCommand } from './generate.js';
import { infoCommand } from './info.js';
import { logitsCommand } from './logits.js';
import { recoverCommand } from './recover.js';
import { steerCommand } from './steer.js';
import { jobCommand, tuiCommand } from './tui.js';
import { verifyCommand } from './verify.js';
import { zooCommand } from './zoo.js';

export const commands: Command[] = [infoCommand, generateCommand, logitsCommand, zooCommand, steerCommand, gcgCommand, backsampleCommand, recoverCommand, verifyCommand, benchCommand, exportCommand, tuiCommand, jobCommand];
