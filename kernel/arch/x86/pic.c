/* pic.c — the two cascaded Intel 8259A interrupt controllers (8259A data sheet), remapped so that
 * IRQ 0-15 arrive on vectors T_IRQ0 (0x20) .. 0x2F, clear of the processor's exceptions. */
#include "types.h"
#include "defs.h"
#include "arch/x86/x86.h"
#include "arch/x86/traps.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xA0
#define PIC2_DATA 0xA1

#define ICW1_ICW4 0x01    /* ICW4 follows */
#define ICW1_INIT 0x10
#define ICW4_8086 0x01
#define OCW2_EOI  0x20    /* non-specific end of interrupt */
#define OCW3_READ_ISR 0x0B
#define IRQ_CASCADE 2     /* the slave is wired to master input 2 */

static uint16_t irqmask = 0xFFFF & ~(1 << IRQ_CASCADE);

static void pic_setmask(void) {
  outb(PIC1_DATA, irqmask);
  outb(PIC2_DATA, irqmask >> 8);
}

void pic_init(void) {
  outb(PIC1_DATA, 0xFF);                 /* mask everything while programming */
  outb(PIC2_DATA, 0xFF);
  outb(PIC1_CMD, ICW1_INIT | ICW1_ICW4); /* ICW1: edge triggered, cascade, ICW4 needed */
  outb(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
  outb(PIC1_DATA, T_IRQ0);               /* ICW2: vector base */
  outb(PIC2_DATA, T_IRQ0 + 8);
  outb(PIC1_DATA, 1 << IRQ_CASCADE);     /* ICW3: master has a slave on IR2 */
  outb(PIC2_DATA, IRQ_CASCADE);          /* ICW3: slave identity 2 */
  outb(PIC1_DATA, ICW4_8086);            /* ICW4: 8086 mode, normal EOI */
  outb(PIC2_DATA, ICW4_8086);
  pic_setmask();
}

void pic_enable(int irq) {
  irqmask &= ~(1 << irq);
  pic_setmask();
}

void pic_eoi(int irq) {
  if (irq >= 8)
    outb(PIC2_CMD, OCW2_EOI);
  outb(PIC1_CMD, OCW2_EOI);
}

/* IRQ 7 (and 15) arrive spuriously when a request goes away before the INTA cycle; the
 * in-service register then has no bit set for them and no EOI is due (8259A data sheet). */
int pic_spurious(int irq) {
  if (irq != 7 && irq != 15)
    return 0;
  uint16_t cmd = irq == 7 ? PIC1_CMD : PIC2_CMD;
  outb(cmd, OCW3_READ_ISR);
  if (inb(cmd) & 0x80)
    return 0;
  if (irq == 15)
    outb(PIC1_CMD, OCW2_EOI);            /* the master did see the cascade interrupt */
  return 1;
}
