/**
 * Booting kernels: the ELF reader and the multiboot loader (browser-safe), and file reading for
 * Node (`files.ts`, imported separately so a web page does not pull in node:fs).
 */
export { BootError } from "./errors.js";
export type { BootErrorCode } from "./errors.js";
export { EM_386, readElf32 } from "./elf.js";
export type { Elf32Header, Elf32Image, Elf32ProgramHeader } from "./elf.js";
export {
  BOOT_LOADER_NAME, INFO_AREA_END, INFO_AREA_START, MULTIBOOT_BOOTLOADER_MAGIC, MULTIBOOT_HEADER_MAGIC,
  bootMultiboot, findMultibootHeader, loadMultiboot, memoryMap,
} from "./multiboot.js";
export type { BootModule, MultibootHeader, MultibootLoad, MultibootOptions, MultibootTarget } from "./multiboot.js";
