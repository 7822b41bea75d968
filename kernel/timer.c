/* timer.c — time. The Intel 8254 PIT, channel 0, interrupts on IRQ 0 at HZ (100) per second;
 * every tick is counted as 10 ms (NS_PER_TICK), as Linux counts jiffies. Wall-clock time is
 * the CMOS real-time clock read once at boot (rtc.c) plus the uptime. */
#include "types.h"
#include "defs.h"
#include "arch/x86/x86.h"
#include "arch/x86/traps.h"

#define PIT_CH0     0x40
#define PIT_CMD     0x43
#define PIT_FREQ    1193182                    /* Hz, the PIT's input clock */
#define PIT_DIVISOR ((PIT_FREQ + HZ / 2) / HZ) /* 11932 */
#define PIT_SEL0    0x00                       /* command: channel 0 */
#define PIT_LOHI    0x30                       /*          access low byte then high byte */
#define PIT_MODE2   0x04                       /*          mode 2, rate generator */

static volatile uint32_t ticks;

void timer_init(void) {
  outb(PIT_CMD, PIT_SEL0 | PIT_LOHI | PIT_MODE2);
  outb(PIT_CH0, PIT_DIVISOR & 0xFF);
  outb(PIT_CH0, PIT_DIVISOR >> 8);
  pic_enable(IRQ_TIMER);
}

void timer_intr(void) {
  ticks++;
}

uint64_t uptime_ns(void) {
  return (uint64_t)ticks * NS_PER_TICK;
}

/* Sleep (HLT with interrupts on) until the uptime reaches deadline_ns. Because the clock
 * advances in whole ticks, callers add one tick to a relative request so that at least the
 * requested time really passes. */
void sleep_until(uint64_t deadline_ns) {
  while (uptime_ns() < deadline_ns)
    idle_wait();
}
