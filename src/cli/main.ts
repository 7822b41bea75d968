#!/usr/bin/env node
/**
 * The trapgate command. Bad input — a missing file, a non-ELF, a corrupt image, a malformed
 * option — gets one line naming the problem and exit status 2, never a stack trace.
 */
import { createRequire } from "node:module";
import { Command, CommanderError, Option } from "commander";
import { BootError } from "../boot/index.js";
import { bootCommand } from "./boot.js";
import { runCommand } from "./run.js";
import { UsageError } from "./options.js";

const USAGE_EXIT = 2;

function fail(message: string, status = USAGE_EXIT): never {
  process.stderr.write(`trapgate: ${message}\n`);
  process.exit(status);
}

/** Commander's message with its "(Did you mean …?)" suggestion on the same line. */
function oneLine(message: string): string {
  return message.replace(/\n\((Did you mean [^)]*)\)/, " ($1)");
}

/** The version in package.json (two levels above dist/src/cli). */
function packageVersion(): string {
  return (createRequire(import.meta.url)("../../../package.json") as { version: string }).version;
}

async function main(argv: string[]): Promise<number> {
  let status = 0;
  const program = new Command("trapgate")
    .description("An IA-32 PC and a reference kernel that show how user programs cross into the kernel and back")
    .exitOverride()
    .version(packageVersion(), "-V, --version", "print the version")
    .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith("error: ") ? `trapgate: ${oneLine(s.slice(7))}` : s) })
    .showHelpAfterError(false)
    .allowExcessArguments(false) // inherited by the commands: a stray word is an error, not ignored
    .enablePositionalOptions(); // `trapgate run PROG -x`: -x belongs to PROG

  program.command("boot")
    .description("boot a multiboot kernel (like qemu-system-i386 -kernel)")
    .argument("<kernel>", "multiboot kernel: ELF32 or a.out-kludge image")
    .option("--append <string>", "kernel command line (after the kernel's name)")
    .option("--module <file[,string]>", "a multiboot module and its string; repeatable", (v: string, acc: string[]) => [...acc, v], [])
    .option("--memory <size>", "RAM size, e.g. 64M (default 64M)")
    .addOption(new Option("--serial <where>", "COM1: stdio, a file, or none").default("stdio"))
    .option("--clock <mode>", "virtual (deterministic, from the instruction count) or host (default)")
    .option("--max-instructions <n>", "stop after N guest instructions (exit 125)")
    .option("--timeout <seconds>", "stop after this much machine time (exit 124)")
    .option("--vga-dump", "print the 80x25 text screen when the run ends")
    .option("--debugcon <where>", "port-0xE9 debug console (as QEMU's -debugcon): stdio, a file, or none (default)")
    .option("--trace-exceptions", "print every exception on stderr as it is raised, with the instruction and the rule it broke")
    .action(async (kernel: string, opts) => { status = await bootCommand(kernel, opts); });

  program.command("run")
    .description("run a static i386 Linux program on the reference kernel (like qemu-i386 PROGRAM)")
    .argument("<program>", "a static ELF32 i386 executable (a host file)")
    .argument("[args...]", "its arguments (options after PROGRAM are its own)")
    .passThroughOptions()
    .option("--entry <path>", "system call entry path of __kernel_vsyscall: int80, sysenter or syscall (default: the fastest)")
    .option("--file <path>", "a host file the program can open, read-only, at its absolute path; repeatable", (v: string, acc: string[]) => [...acc, v], [])
    .option("--strace", "print each system call, decoded, on stderr")
    .option("--stats", "print kernel entries per path, interrupts, page faults, instructions and time on stderr at exit")
    .option("--memory <size>", "RAM size, e.g. 128M (default 48M)")
    .option("--clock <mode>", "virtual (deterministic, from the instruction count) or host (default)")
    .option("--max-instructions <n>", "stop after N guest instructions (exit 125)")
    .option("--timeout <seconds>", "stop after this much machine time (exit 124)")
    .action(async (prog: string, args: string[], opts) => { status = await runCommand(prog, args, opts); });

  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return 0;
      if (e.code === "commander.help") return e.exitCode === 0 ? 0 : USAGE_EXIT; // no command: usage on stderr
      return USAGE_EXIT; // commander already printed its one line
    }
    if (e instanceof BootError || e instanceof UsageError) fail(e.message);
    throw e;
  }
  return status;
}

main(process.argv).then(
  (status) => { process.exitCode = status; },
  (e: unknown) => fail(`internal error: ${(e as Error)?.stack ?? String(e)}`, 70),
);
