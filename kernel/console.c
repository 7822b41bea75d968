/* console.c — the console is COM1, a 16550 UART at I/O port 0x3F8 (National Semiconductor
 * PC16550D data sheet). Output polls LSR.THRE before each byte; input arrives by the
 * received-data interrupt (IRQ 4) into a ring buffer that read(0) drains a line at a time
 * (canonical mode) and get_key a byte at a time, without waiting.
 *
 * EOF convention: byte 0x04 (Ctrl-D) received when the pending line is empty makes read()
 * return 0; inside a line it ends the read early without a newline, as a terminal does. */
#include "types.h"
#include "defs.h"
#include "errno.h"
#include "arch/x86/x86.h"
#include "arch/x86/traps.h"

#define COM1      0x3F8
#define UART_RBR  0     /* receiver buffer (read, DLAB = 0) */
#define UART_THR  0     /* transmitter holding (write, DLAB = 0) */
#define UART_DLL  0     /* divisor latch low (DLAB = 1) */
#define UART_IER  1     /* interrupt enable (DLAB = 0) */
#define UART_DLM  1     /* divisor latch high (DLAB = 1) */
#define UART_FCR  2     /* FIFO control (write) */
#define UART_LCR  3     /* line control */
#define UART_MCR  4     /* modem control */
#define UART_LSR  5     /* line status */

#define IER_RDA   0x01  /* interrupt on received data available */
#define LCR_8N1   0x03
#define LCR_DLAB  0x80
#define MCR_DTR   0x01
#define MCR_RTS   0x02
#define MCR_OUT2  0x08  /* gates the UART's interrupt onto the ISA IRQ line on PCs */
#define LSR_DR    0x01  /* data ready */
#define LSR_THRE  0x20  /* transmitter holding register empty */

#define CTRL_D    0x04

static int uart_present;

static struct {
  uint8_t buf[1024];
  uint32_t r, w;        /* read and write indices, free-running */
} input;

void console_init(void) {
  outb(COM1 + UART_IER, 0);
  outb(COM1 + UART_LCR, LCR_DLAB);
  outb(COM1 + UART_DLL, 1);               /* 115200 baud */
  outb(COM1 + UART_DLM, 0);
  outb(COM1 + UART_LCR, LCR_8N1);
  /* FIFOs stay off (16450 mode): turning them on flushes the receiver, and a byte may already
   * be waiting there from before the kernel started. One byte at a time is plenty. */
  outb(COM1 + UART_FCR, 0);
  outb(COM1 + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
  /* An absent UART reads as 0xFF. */
  uart_present = inb(COM1 + UART_LSR) != 0xFF;
}

/* Enable the received-data interrupt once the IDT and PIC are ready. */
void console_enable_irq(void) {
  if (!uart_present)
    return;
  outb(COM1 + UART_IER, IER_RDA);
  pic_enable(IRQ_COM1);
  console_intr();     /* take anything that arrived before the interrupt was enabled */
}

void console_putc(int c) {
  if (!uart_present)
    return;
  if (c == '\n')
    console_putc('\r');
  /* No time-out: a byte written before THRE is set would overwrite the previous one (an
   * absent UART reads LSR as 0xFF, THRE set, and was ruled out above anyway). */
  while (!(inb(COM1 + UART_LSR) & LSR_THRE))
    ;
  outb(COM1 + UART_THR, c);
}

void console_write(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    console_putc((uint8_t)s[i]);
}

/* IRQ 4 (and polled from the read loop): move received bytes into the ring. */
void console_intr(void) {
  if (!uart_present)
    return;
  while (inb(COM1 + UART_LSR) & LSR_DR) {
    uint8_t c = inb(COM1 + UART_RBR);
    if (input.w - input.r < sizeof(input.buf))
      input.buf[input.w++ % sizeof(input.buf)] = c;
  }
}

/* get_key: one byte without waiting, or -EAGAIN. */
int console_getkey(void) {
  console_intr();
  if (input.r == input.w)
    return -EAGAIN;
  return input.buf[input.r++ % sizeof(input.buf)];
}

/* Canonical input, as the TCGETS answer (ICANON) promises: a read can complete once a whole
 * line is buffered — a newline or a Ctrl-D — or n bytes, or the ring is full. */
static int line_ready(size_t n) {
  uint32_t avail = input.w - input.r;
  if (avail >= n || avail == sizeof(input.buf))
    return 1;
  for (uint32_t i = input.r; i != input.w; i++) {
    uint8_t c = input.buf[i % sizeof(input.buf)];
    if (c == '\n' || c == CTRL_D)
      return 1;
  }
  return 0;
}

/* read(0): wait (HLT) until a line is ready, then copy up to n bytes of it into the kernel
 * buffer dst, through the newline. Returns the count, 0 at EOF. */
int console_read(char *dst, size_t n) {
  size_t got = 0;
  if (n == 0)
    return 0;
  for (;;) {
    console_intr();
    if (line_ready(n))
      break;
    idle_wait();        /* sleep until the next interrupt */
  }
  while (got < n && input.r != input.w) {
    uint8_t c = input.buf[input.r % sizeof(input.buf)];
    if (c == CTRL_D) {
      input.r++;        /* consumed: ends this read; with nothing read it means EOF */
      break;
    }
    input.r++;
    dst[got++] = c;
    if (c == '\n')
      break;
  }
  return got;
}
