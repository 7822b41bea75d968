/* main.c — kmain: bring the machine up, then run the multiboot modules one after another. */
#include "types.h"
#include "defs.h"
#include "multiboot.h"
#include "arch/x86/x86.h"

#define DEBUG_EXIT_PORT 0xF4    /* QEMU -device isa-debug-exit,iobase=0xf4: exit((v << 1) | 1) */
#define BOCHS_SHUTDOWN_PORT 0x8900

void machine_exit(uint32_t status) {
  outb(DEBUG_EXIT_PORT, status);
  for (const char *p = "Shutdown"; *p; p++)
    outb(BOCHS_SHUTDOWN_PORT, *p);
  for (;;) {
    cli();
    hlt();
  }
}

void idle_wait(void) {
  sti_hlt_cli();
}

void kmain(uint32_t magic, uint32_t mbinfo_pa) {
  console_init();
  kprintf("trapgate-kernel booting, magic %x info %x\n", magic, mbinfo_pa);
  machine_exit(0);
}
