/* devices.c — a multiboot kernel that drives the PC's devices as a small operating system would,
 * for trapgate's CLI tests (test/cli/devices-kernel.test.ts); it boots on QEMU the same way
 * (qemu-system-i386 -kernel devices.elf -serial stdio -device isa-debug-exit,iobase=0xf4).
 *
 *   1. COM1, polled: "BOOT <boot loader name>: <command line>"
 *   2. the CMOS real-time clock: "RTC 2000-01-01 00:00:00" (BCD or binary, 12- or 24-hour)
 *   3. the 8259A PICs remapped to vectors 0x20-0x2F, the 8254 counter 0 at HZ on IRQ 0, and the
 *      processor in HLT between ticks: the ticks counted in one RTC second, "TIMER 100 ticks in
 *      one RTC second"
 *   4. COM1 input on IRQ 4: each byte received is echoed upper-cased until a CR or LF,
 *      "ECHO> HELLO" then "ECHOED 5 bytes"
 *   5. VGA text mode: a banner and a summary written at 0xB8000, the CRTC cursor after them
 *   6. the exit: "EXIT n", then n written to port 0xF4; n is exit=N on the command line (0 if
 *      absent)
 *
 * An unexpected exception prints "EXCEPTION v ..." and exits with status EXIT_EXCEPTION.
 */
#include "hw.h"

#define HZ 100
#define PIT_DIVISOR ((PIT_HZ + HZ / 2) / HZ) /* 11932 */
#define EXIT_EXCEPTION 0x7F
#define RX_SIZE 256                          /* a power of two */

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

/* Enables interrupts for exactly one HLT: STI holds off interrupts for one instruction (SDM
 * Vol. 2B STI), so an interrupt that is already pending wakes the HLT instead of being taken
 * before it. Returns with interrupts disabled again. */
static inline void wait_for_interrupt(void) { __asm__ volatile("sti; hlt; cli" : : : "memory"); }

/* ---- text ------------------------------------------------------------------------------- */

/* A line being built: strings and numbers appended, NUL-terminated. */
struct text {
  char s[160];
  uint32_t len;
};

static void text_str(struct text *t, const char *s) {
  while (*s && t->len < sizeof t->s - 1)
    t->s[t->len++] = *s++;
  t->s[t->len] = 0;
}

/* Appends v in decimal, zero-padded to at least `width` digits. */
static void text_uint(struct text *t, uint32_t v, int width) {
  char digits[10];
  int n = 0;
  do {
    digits[n++] = '0' + v % 10;
    v /= 10;
  } while (v);
  while (width-- > n)
    text_str(t, "0");
  char one[2] = {0, 0};
  while (n--) {
    one[0] = digits[n];
    text_str(t, one);
  }
}

/* ---- COM1 ------------------------------------------------------------------------------- */

static void serial_init(void) {
  outb(COM1 + UART_IER, 0);
  outb(COM1 + UART_LCR, LCR_DLAB);
  outb(COM1 + UART_DLL, UART_BAUD_DIVISOR & 0xFF);
  outb(COM1 + UART_DLM, UART_BAUD_DIVISOR >> 8);
  outb(COM1 + UART_LCR, LCR_8N1);
  outb(COM1 + UART_FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX);
  outb(COM1 + UART_MCR, MCR_DTR | MCR_RTS);
}

static void serial_putc(char c) {
  for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
    ;
  outb(COM1 + UART_THR, c);
}

static void serial_puts(const char *s) {
  while (*s)
    serial_putc(*s++);
}

/* Bytes received on IRQ 4, consumed by the echo loop. */
static char rx[RX_SIZE];
static volatile uint32_t rx_head, rx_tail;

static void serial_intr(void) {
  while (inb(COM1 + UART_LSR) & LSR_DR) {
    uint8_t c = inb(COM1 + UART_RBR);
    if (rx_head - rx_tail < RX_SIZE)
      rx[rx_head++ % RX_SIZE] = c;
  }
}

/* ---- descriptor tables -------------------------------------------------------------------- */

static uint64_t gdt[3];
static uint64_t idt[NVECTORS];
extern uint32_t vectors[NVECTORS]; /* entry.S */

/* A segment descriptor (SDM Vol. 3A §3.4.5): base, limit (in units given by `flags`' G bit),
 * access byte (P, DPL, S, type) and flags (G, D/B). */
static uint64_t segment(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
  return (limit & 0xFFFFull) | (uint64_t)(base & 0xFFFFFF) << 16 | (uint64_t)access << 40 |
         (uint64_t)(limit >> 16 & 0xF) << 48 | (uint64_t)flags << 52 | (uint64_t)(base >> 24) << 56;
}

/* A DPL-0 32-bit interrupt gate to `handler` in SEG_KCODE (SDM Vol. 3A §6.11). */
static uint64_t interrupt_gate(uint32_t handler) {
  return (handler & 0xFFFF) | (uint64_t)SEG_KCODE << 16 | (uint64_t)(SEG_ACCESS_P | GATE_TYPE_INT32) << 40 |
         (uint64_t)(handler >> 16) << 48;
}

struct __attribute__((packed)) table_register {
  uint16_t limit;
  uint32_t base;
};

/* The multiboot loader leaves GDTR undefined (§3.2): load a flat GDT and reload every segment. */
static void gdt_init(void) {
  gdt[SEG_KCODE / 8] = segment(0, 0xFFFFF, SEG_ACCESS_P | SEG_ACCESS_S | SEG_TYPE_CODE_XR, SEG_FLAG_G | SEG_FLAG_DB);
  gdt[SEG_KDATA / 8] = segment(0, 0xFFFFF, SEG_ACCESS_P | SEG_ACCESS_S | SEG_TYPE_DATA_RW, SEG_FLAG_G | SEG_FLAG_DB);
  struct table_register gdtr = {sizeof gdt - 1, (uint32_t)gdt};
  __asm__ volatile("lgdt %0\n\t"
                   "ljmp %1, $1f\n"
                   "1:\n\t"
                   "mov %2, %%ax\n\t"
                   "mov %%ax, %%ds\n\t"
                   "mov %%ax, %%es\n\t"
                   "mov %%ax, %%fs\n\t"
                   "mov %%ax, %%gs\n\t"
                   "mov %%ax, %%ss"
                   :
                   : "m"(gdtr), "i"(SEG_KCODE), "i"(SEG_KDATA)
                   : "eax", "memory");
}

static void idt_init(void) {
  for (int v = 0; v < NVECTORS; v++)
    idt[v] = interrupt_gate(vectors[v]);
  struct table_register idtr = {sizeof idt - 1, (uint32_t)idt};
  __asm__ volatile("lidt %0" : : "m"(idtr));
}

/* ---- 8259A ------------------------------------------------------------------------------ */

static uint16_t irq_mask = 0xFFFF & ~(1 << IRQ_CASCADE);

static void pic_set_mask(void) {
  outb(PIC1_DATA, irq_mask & 0xFF);
  outb(PIC2_DATA, irq_mask >> 8);
}

/* Moves IRQ 0-15 from the BIOS's vectors 0x08/0x70 to T_IRQ0, clear of the exceptions. */
static void pic_init(void) {
  outb(PIC1_DATA, 0xFF);
  outb(PIC2_DATA, 0xFF);
  outb(PIC1_CMD, ICW1_INIT | ICW1_ICW4); /* ICW1: edge triggered, cascade, ICW4 follows */
  outb(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
  outb(PIC1_DATA, T_IRQ0);               /* ICW2: vector base */
  outb(PIC2_DATA, T_IRQ0 + 8);
  outb(PIC1_DATA, 1 << IRQ_CASCADE);     /* ICW3: the slave is on master input 2 */
  outb(PIC2_DATA, IRQ_CASCADE);          /* ICW3: slave identity */
  outb(PIC1_DATA, ICW4_8086);            /* ICW4: 8086 mode, normal EOI */
  outb(PIC2_DATA, ICW4_8086);
  pic_set_mask();
}

static void pic_enable(int irq) {
  irq_mask &= ~(1 << irq);
  pic_set_mask();
}

static void pic_eoi(int irq) {
  if (irq >= 8)
    outb(PIC2_CMD, OCW2_EOI);
  outb(PIC1_CMD, OCW2_EOI);
}

/* ---- 8254 ------------------------------------------------------------------------------- */

static volatile uint32_t ticks;

static void timer_init(void) {
  outb(PIT_CMD, PIT_SEL0 | PIT_LOHI | PIT_MODE2);
  outb(PIT_CH0, PIT_DIVISOR & 0xFF);
  outb(PIT_CH0, PIT_DIVISOR >> 8);
  pic_enable(IRQ_TIMER);
}

/* ---- MC146818 --------------------------------------------------------------------------- */

static uint8_t cmos_read(uint8_t reg) {
  outb(CMOS_INDEX, CMOS_NMI_DISABLE | reg);
  return inb(CMOS_DATA);
}

/* Waits until no update is in progress: the time registers then hold for at least 244 µs. */
static void rtc_wait_stable(void) {
  for (int i = 0; i < 1000000 && (cmos_read(RTC_STATUS_A) & STATUS_A_UIP); i++)
    ;
}

static uint32_t rtc_value(uint8_t raw, int binary) { return binary ? raw : (raw >> 4) * 10 + (raw & 0xF); }

static uint8_t rtc_seconds(void) {
  rtc_wait_stable();
  return cmos_read(RTC_SECONDS);
}

static void rtc_date(struct text *t) {
  rtc_wait_stable();
  uint8_t b = cmos_read(RTC_STATUS_B);
  int binary = b & STATUS_B_BINARY;
  uint8_t hour_raw = cmos_read(RTC_HOURS);
  uint32_t hour = rtc_value(hour_raw & 0x7F, binary);
  if (!(b & STATUS_B_24H)) /* 12-hour: bit 7 is PM, 12 means 0 */
    hour = hour % 12 + (hour_raw & 0x80 ? 12 : 0);
  text_uint(t, rtc_value(cmos_read(RTC_CENTURY), binary) * 100 + rtc_value(cmos_read(RTC_YEAR), binary), 4);
  text_str(t, "-");
  text_uint(t, rtc_value(cmos_read(RTC_MONTH), binary), 2);
  text_str(t, "-");
  text_uint(t, rtc_value(cmos_read(RTC_DAY), binary), 2);
  text_str(t, " ");
  text_uint(t, hour, 2);
  text_str(t, ":");
  text_uint(t, rtc_value(cmos_read(RTC_MINUTES), binary), 2);
  text_str(t, ":");
  text_uint(t, rtc_value(cmos_read(RTC_SECONDS), binary), 2);
}

/* ---- VGA text --------------------------------------------------------------------------- */

static volatile uint16_t *const vga = (volatile uint16_t *)VGA_TEXT_BUFFER;

static void vga_clear(void) {
  for (int i = 0; i < VGA_ROWS * VGA_COLUMNS; i++)
    vga[i] = VGA_ATTR(VGA_LIGHT_GREY, VGA_BLACK) << 8 | ' ';
}

/* Writes `s` at row, col; returns the column after it. */
static int vga_write(int row, int col, const char *s, uint8_t attr) {
  for (; *s && col < VGA_COLUMNS; s++, col++)
    vga[row * VGA_COLUMNS + col] = (uint16_t)attr << 8 | (uint8_t)*s;
  return col;
}

static void vga_set_cursor(int row, int col) {
  uint16_t pos = row * VGA_COLUMNS + col;
  outb(CRTC_INDEX, CRTC_CURSOR_LOCATION_HIGH);
  outb(CRTC_DATA, pos >> 8);
  outb(CRTC_INDEX, CRTC_CURSOR_LOCATION_LOW);
  outb(CRTC_DATA, pos & 0xFF);
}

/* ---- traps ------------------------------------------------------------------------------ */

static void exit_with(uint32_t status) {
  struct text t = {.len = 0};
  text_str(&t, "EXIT ");
  text_uint(&t, status, 1);
  text_str(&t, "\n");
  serial_puts(t.s);
  outb(DEBUG_EXIT_PORT, status);
  for (;;) /* no isa-debug-exit device */
    __asm__ volatile("cli; hlt");
}

void trap(struct trapframe *f) {
  if (f->vector < T_IRQ0) {
    struct text t = {.len = 0};
    text_str(&t, "EXCEPTION ");
    text_uint(&t, f->vector, 1);
    text_str(&t, " error ");
    text_uint(&t, f->errcode, 1);
    text_str(&t, " at EIP ");
    text_uint(&t, f->eip, 1);
    text_str(&t, "\n");
    serial_puts(t.s);
    exit_with(EXIT_EXCEPTION);
  }
  int irq = f->vector - T_IRQ0;
  if (irq == IRQ_TIMER)
    ticks++;
  else if (irq == IRQ_COM1)
    serial_intr();
  pic_eoi(irq);
}

/* ---- the run ------------------------------------------------------------------------------ */

/* The value of `key`=N in the command line, or `absent`. */
static uint32_t cmdline_number(const char *cmdline, const char *key, uint32_t absent) {
  for (const char *s = cmdline; *s; s++) {
    if (s != cmdline && s[-1] != ' ')
      continue;
    const char *k = key, *p = s;
    while (*k && *p == *k)
      k++, p++;
    if (*k || *p != '=')
      continue;
    uint32_t v = 0;
    for (p++; *p >= '0' && *p <= '9'; p++)
      v = v * 10 + (*p - '0');
    return v;
  }
  return absent;
}

/* The ticks of IRQ 0 from one change of the RTC's seconds to the next, in HLT between ticks. */
static uint32_t ticks_per_rtc_second(void) {
  uint8_t s = rtc_seconds();
  while (rtc_seconds() == s)
    wait_for_interrupt();
  uint32_t start = ticks;
  s = rtc_seconds();
  while (rtc_seconds() == s)
    wait_for_interrupt();
  return ticks - start;
}

/* Echoes COM1 input upper-cased until CR or LF; returns the bytes echoed. */
static uint32_t echo_line(void) {
  outb(COM1 + UART_IER, IER_ERBFI);
  outb(COM1 + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
  pic_enable(IRQ_COM1);
  serial_puts("ECHO> ");
  uint32_t n = 0;
  for (;;) {
    while (rx_tail == rx_head)
      wait_for_interrupt();
    char c = rx[rx_tail++ % RX_SIZE];
    if (c == '\r' || c == '\n')
      break;
    serial_putc(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    n++;
  }
  serial_puts("\n");
  return n;
}

void kmain(uint32_t magic, const struct mb_info *mb) {
  serial_init();
  if (magic != MB_BOOTLOADER_MAGIC) {
    serial_puts("BOOT not by a multiboot loader\n");
    exit_with(EXIT_EXCEPTION);
  }
  const char *cmdline = mb->flags & MB_INFO_CMDLINE ? (const char *)mb->cmdline : "";
  const char *loader = mb->flags & MB_INFO_BOOT_LOADER_NAME ? (const char *)mb->boot_loader_name : "?";
  uint32_t status = cmdline_number(cmdline, "exit", 0);
  struct text t = {.len = 0};
  text_str(&t, "BOOT ");
  text_str(&t, loader);
  text_str(&t, ": ");
  text_str(&t, cmdline);
  text_str(&t, "\n");
  serial_puts(t.s);

  gdt_init();
  idt_init();
  pic_init();

  struct text date = {.len = 0};
  rtc_date(&date);
  serial_puts("RTC ");
  serial_puts(date.s);
  serial_puts("\n");

  timer_init();
  uint32_t per_second = ticks_per_rtc_second();
  t.len = 0;
  text_str(&t, "TIMER ");
  text_uint(&t, per_second, 1);
  text_str(&t, " ticks in one RTC second\n");
  serial_puts(t.s);

  uint32_t echoed = echo_line();
  t.len = 0;
  text_str(&t, "ECHOED ");
  text_uint(&t, echoed, 1);
  text_str(&t, " bytes\n");
  serial_puts(t.s);

  vga_clear();
  vga_write(0, 0, "trapgate devices kernel: VGA text mode 3", VGA_ATTR(VGA_YELLOW, VGA_BLUE));
  t.len = 0;
  text_str(&t, "RTC ");
  text_str(&t, date.s);
  text_str(&t, ", ");
  text_uint(&t, per_second, 1);
  text_str(&t, " ticks/s, echoed ");
  text_uint(&t, echoed, 1);
  text_str(&t, " bytes, exit ");
  text_uint(&t, status, 1);
  vga_set_cursor(1, vga_write(1, 0, t.s, VGA_ATTR(VGA_LIGHT_GREY, VGA_BLACK)));

  exit_with(status);
}
