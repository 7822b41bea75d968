/* console.c — the serial lines and the kernel log.
 *
 * COM1, a 16550 UART at I/O port 0x3F8 (National Semiconductor PC16550D data sheet), is the
 * console: the input of fd 0 and, by default, the output of fds 1 and 2 and of the kernel's
 * own messages. COM2 (0x2F8) can carry fd 2 instead (stderr=...,com2 on the command line), so
 * that a host sees a program's stdout and stderr apart. Output polls LSR.THRE before each byte.
 * Input arrives by the received-data interrupt (IRQ 4) into a ring buffer that read(0) drains.
 *
 * Two disciplines for reading, chosen per descriptor (stdin=tty|pipe):
 *  - a terminal (canonical, as the TCGETS answer promises): a read completes once a whole line
 *    is buffered — a newline or a Ctrl-D — or n bytes; byte 0x04 (Ctrl-D) on an empty line is
 *    EOF, inside a line it ends the read without a newline, as a terminal's VEOF;
 *  - a pipe: raw bytes, a read returns what is buffered (waiting only while nothing is), every
 *    byte value is data.
 * In both, end of input is also the carrier: once the host end of COM1 hangs up (MSR.DCD = 0,
 * with the modem-status interrupt to wake the reader) and every byte it sent before has been
 * read, read returns 0 — binary-safe, no byte value is reserved.
 *
 * The kernel log (kprintf) goes to COM1, LF sent as CR LF, or with klog=debugcon to the port
 * 0xE9 debug console of QEMU and Bochs, as is. */
#include "types.h"
#include "defs.h"
#include "errno.h"
#include "arch/x86/x86.h"
#include "arch/x86/traps.h"

#define COM1      0x3F8
#define COM2      0x2F8
#define UART_RBR  0     /* receiver buffer (read, DLAB = 0) */
#define UART_THR  0     /* transmitter holding (write, DLAB = 0) */
#define UART_DLL  0     /* divisor latch low (DLAB = 1) */
#define UART_IER  1     /* interrupt enable (DLAB = 0) */
#define UART_DLM  1     /* divisor latch high (DLAB = 1) */
#define UART_FCR  2     /* FIFO control (write) */
#define UART_LCR  3     /* line control */
#define UART_MCR  4     /* modem control */
#define UART_LSR  5     /* line status */
#define UART_MSR  6     /* modem status */

#define IER_RDA   0x01  /* interrupt on received data available */
#define IER_MSI   0x08  /* interrupt on a modem-status change (DCD dropping) */
#define LCR_8N1   0x03
#define LCR_DLAB  0x80
#define MCR_DTR   0x01
#define MCR_RTS   0x02
#define MCR_OUT2  0x08  /* gates the UART's interrupt onto the ISA IRQ line on PCs */
#define LSR_DR    0x01  /* data ready */
#define LSR_THRE  0x20  /* transmitter holding register empty */
#define MSR_DCD   0x80  /* data carrier detect: the host end is connected */

#define DEBUGCON  0xE9  /* QEMU -debugcon / Bochs port e9 hack */

#define CTRL_D    0x04

static const uint16_t line_port[NLINES] = { [LINE_COM1] = COM1, [LINE_COM2] = COM2 };
static int line_present[NLINES];
int klog_target = KLOG_COM1;

static struct {
  uint8_t buf[4096];
  uint32_t r, w;        /* read and write indices, free-running */
} input;

static void uart_init(uint16_t base) {
  outb(base + UART_IER, 0);
  outb(base + UART_LCR, LCR_DLAB);
  outb(base + UART_DLL, 1);               /* 115200 baud */
  outb(base + UART_DLM, 0);
  outb(base + UART_LCR, LCR_8N1);
  /* FIFOs stay off (16450 mode): turning them on flushes the receiver, and a byte may already
   * be waiting there from before the kernel started. One byte at a time is plenty. */
  outb(base + UART_FCR, 0);
  outb(base + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
}

void console_init(void) {
  for (int l = 0; l < NLINES; l++) {
    uart_init(line_port[l]);
    /* An absent UART reads as 0xFF. */
    line_present[l] = inb(line_port[l] + UART_LSR) != 0xFF;
  }
}

/* Enable COM1's receive and modem-status interrupts once the IDT and PIC are ready. */
void console_enable_irq(void) {
  if (!line_present[LINE_COM1])
    return;
  outb(COM1 + UART_IER, IER_RDA | IER_MSI);
  pic_enable(IRQ_COM1);
  console_intr();     /* take anything that arrived before the interrupt was enabled */
}

static void uart_putc(int line, int c) {
  uint16_t base = line_port[line];
  /* No time-out: a byte written before THRE is set would overwrite the previous one (an
   * absent UART reads LSR as 0xFF, THRE set, and was ruled out anyway). */
  while (!(inb(base + UART_LSR) & LSR_THRE))
    ;
  outb(base + UART_THR, c);
}

/* n bytes out of a line; onlcr sends LF as CR LF (a terminal's OPOST | ONLCR). */
void serial_write(int line, const char *s, size_t n, int onlcr) {
  if (line < 0 || line >= NLINES || !line_present[line])
    return;
  for (size_t i = 0; i < n; i++) {
    if (onlcr && s[i] == '\n')
      uart_putc(line, '\r');
    uart_putc(line, (uint8_t)s[i]);
  }
}

/* One byte of the kernel log. */
void klog_putc(int c) {
  if (klog_target == KLOG_DEBUGCON) {
    outb(DEBUGCON, c);
  } else if (klog_target == KLOG_COM1) {
    char ch = c;
    serial_write(LINE_COM1, &ch, 1, 1);
  }
}

/* IRQ 4 (and polled from the read loop): move received bytes into the ring while it has room
 * (the rest wait in the UART: nothing is dropped), and acknowledge a modem-status change. */
void console_intr(void) {
  if (!line_present[LINE_COM1])
    return;
  inb(COM1 + UART_MSR);               /* reading MSR clears the modem-status interrupt */
  while (input.w - input.r < sizeof(input.buf) && (inb(COM1 + UART_LSR) & LSR_DR))
    input.buf[input.w++ % sizeof(input.buf)] = inb(COM1 + UART_RBR);
}

/* The host end hung up and everything it sent has been read: end of input. */
static int input_ended(void) {
  if (!line_present[LINE_COM1])
    return 1;
  return input.r == input.w && !(inb(COM1 + UART_LSR) & LSR_DR) &&
         !(inb(COM1 + UART_MSR) & MSR_DCD);
}

/* get_key: one byte without waiting, or -EAGAIN. */
int console_getkey(void) {
  console_intr();
  if (input.r == input.w)
    return -EAGAIN;
  return input.buf[input.r++ % sizeof(input.buf)];
}

/* Canonical input: a read can complete once a whole line is buffered — a newline or a Ctrl-D —
 * or n bytes, or the ring is full, or the input has ended. */
static int line_ready(size_t n) {
  uint32_t avail = input.w - input.r;
  if (avail >= n || avail == sizeof(input.buf))
    return 1;
  for (uint32_t i = input.r; i != input.w; i++) {
    uint8_t c = input.buf[i % sizeof(input.buf)];
    if (c == '\n' || c == CTRL_D)
      return 1;
  }
  return !(inb(COM1 + UART_MSR) & MSR_DCD);
}

/* read(0): wait (HLT) until input is ready, then copy up to n bytes into the kernel buffer
 * dst — canonical: through the newline; raw: whatever is buffered. Returns the count, 0 at
 * end of input. */
int console_read(char *dst, size_t n, int canonical) {
  size_t got = 0;
  if (n == 0)
    return 0;
  for (;;) {
    console_intr();
    if (input_ended())
      return 0;
    if (canonical ? line_ready(n) : input.r != input.w)
      break;
    idle_wait();        /* sleep until the next interrupt */
  }
  while (got < n && input.r != input.w) {
    uint8_t c = input.buf[input.r % sizeof(input.buf)];
    if (canonical && c == CTRL_D) {
      input.r++;        /* consumed: ends this read; with nothing read it means EOF */
      break;
    }
    input.r++;
    dst[got++] = c;
    if (canonical && c == '\n')
      break;
    if (input.r == input.w)
      console_intr();   /* refill from the UART: bytes may be waiting behind a full ring */
  }
  return got;
}

/* Bytes a read would return without waiting (for poll): > 0, or 0 at end of input too. */
int console_readable(void) {
  console_intr();
  return input.r != input.w || input_ended();
}
