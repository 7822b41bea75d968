/* hw.h — the PC hardware this kernel drives, named as the data sheets name it: the 8259A
 * interrupt controllers, the 8254 timer, the 16550A UART (COM1), the MC146818 RTC/CMOS, the VGA
 * text buffer and CRT controller, QEMU's isa-debug-exit port, and the processor's segment and
 * gate descriptors (SDM Vol. 3A §3.4.5, §6.11). Shared by entry.S and devices.c. */
#ifndef HW_H
#define HW_H

/* Multiboot 0.6.96 §3.1.2, §3.2 */
#define MB_HEADER_MAGIC       0x1BADB002
#define MB_HEADER_PAGE_ALIGN  0x00000001
#define MB_HEADER_MEMORY_INFO 0x00000002
#define MB_BOOTLOADER_MAGIC   0x2BADB002
#define MB_INFO_CMDLINE       0x00000004
#define MB_INFO_BOOT_LOADER_NAME 0x00000200

/* Segment selectors of this kernel's GDT */
#define SEG_KCODE 0x08
#define SEG_KDATA 0x10

/* Vectors: the processor's exceptions, then the 16 IRQs from T_IRQ0 (the PIC is remapped there). */
#define T_IRQ0       0x20
#define NVECTORS     (T_IRQ0 + 16)
/* The exceptions for which the processor pushes an error code (SDM Vol. 3A Table 6-1). */
#define T_ERRCODE_VECTORS 8, 10, 11, 12, 13, 14, 17

#define IRQ_TIMER   0
#define IRQ_CASCADE 2
#define IRQ_COM1    4

#ifndef __ASSEMBLER__
#include <stdint.h>

/* 8259A programmable interrupt controllers (8259A data sheet, ICW1-4, OCW2) */
#define PIC1_CMD   0x20
#define PIC1_DATA  0x21
#define PIC2_CMD   0xA0
#define PIC2_DATA  0xA1
#define ICW1_ICW4  0x01   /* ICW4 follows */
#define ICW1_INIT  0x10
#define ICW4_8086  0x01
#define OCW2_EOI   0x20   /* non-specific end of interrupt */

/* 8254 programmable interval timer (8254 data sheet, control word format) */
#define PIT_CH0    0x40
#define PIT_CMD    0x43
#define PIT_HZ     1193182 /* input clock */
#define PIT_SEL0   0x00    /* counter 0 */
#define PIT_LOHI   0x30    /* read/write LSB then MSB */
#define PIT_MODE2  0x04    /* rate generator */

/* 16550A UART at COM1 (PC16550D data sheet, Table II) */
#define COM1       0x3F8
#define UART_RBR   0       /* receive buffer (read) */
#define UART_THR   0       /* transmit holding (write) */
#define UART_DLL   0       /* divisor latch LSB (DLAB = 1) */
#define UART_IER   1
#define UART_DLM   1       /* divisor latch MSB (DLAB = 1) */
#define UART_FCR   2
#define UART_LCR   3
#define UART_MCR   4
#define UART_LSR   5
#define IER_ERBFI  0x01    /* received data available interrupt */
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define LCR_8N1    0x03
#define LCR_DLAB   0x80
#define MCR_DTR    0x01
#define MCR_RTS    0x02
#define MCR_OUT2   0x08    /* on the PC: connects the UART's interrupt to IRQ 4 */
#define LSR_DR     0x01    /* data ready */
#define LSR_THRE   0x20    /* transmit holding register empty */
#define UART_BAUD_DIVISOR 1 /* 115200 baud */

/* MC146818 real-time clock and CMOS RAM (MC146818A data sheet; century at 0x32 as on the PC) */
#define CMOS_INDEX   0x70
#define CMOS_DATA    0x71
#define CMOS_NMI_DISABLE 0x80
#define RTC_SECONDS  0x00
#define RTC_MINUTES  0x02
#define RTC_HOURS    0x04
#define RTC_DAY      0x07
#define RTC_MONTH    0x08
#define RTC_YEAR     0x09
#define RTC_STATUS_A 0x0A
#define RTC_STATUS_B 0x0B
#define RTC_CENTURY  0x32
#define STATUS_A_UIP 0x80  /* update in progress: the time registers are about to change */
#define STATUS_B_24H 0x02
#define STATUS_B_BINARY 0x04

/* VGA text mode 3 (IBM VGA Technical Reference, CRT controller registers) */
#define VGA_TEXT_BUFFER 0xB8000
#define VGA_COLUMNS  80
#define VGA_ROWS     25
#define CRTC_INDEX   0x3D4
#define CRTC_DATA    0x3D5
#define CRTC_CURSOR_LOCATION_HIGH 0x0E
#define CRTC_CURSOR_LOCATION_LOW  0x0F
#define VGA_ATTR(fg, bg) ((uint8_t)((bg) << 4 | (fg)))
#define VGA_LIGHT_GREY 7
#define VGA_YELLOW   14
#define VGA_BLUE     1
#define VGA_BLACK    0

/* QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4) */
#define DEBUG_EXIT_PORT 0xF4

/* Descriptors (SDM Vol. 3A §3.4.5 Figure 3-8, §6.11 Figure 6-2) */
#define SEG_ACCESS_P      0x80   /* present */
#define SEG_ACCESS_S      0x10   /* code or data (not system) */
#define SEG_TYPE_CODE_XR  0x0A   /* execute/read */
#define SEG_TYPE_DATA_RW  0x02   /* read/write */
#define SEG_FLAG_G        0x8    /* limit in 4 KiB units */
#define SEG_FLAG_DB       0x4    /* 32-bit segment */
#define GATE_TYPE_INT32   0x0E   /* 32-bit interrupt gate: IF cleared on entry */

/* What the entry stubs leave on the stack for trap() (entry.S): the general registers in PUSHA
 * order, the vector and error code the stub pushed, then what the processor pushed. */
struct trapframe {
  uint32_t edi, esi, ebp, esp_at_pusha, ebx, edx, ecx, eax; /* PUSHA */
  uint32_t vector;
  uint32_t errcode;                                          /* the processor's, or 0 */
  uint32_t eip, cs, eflags;                                  /* the processor's frame, no stack switch */
};

/* The boot information (Multiboot 0.6.96 §3.3), up to the field this kernel reads. */
struct mb_info {
  uint32_t flags;
  uint32_t mem_lower, mem_upper;
  uint32_t boot_device;
  uint32_t cmdline;
  uint32_t mods_count, mods_addr;
  uint32_t syms[4];
  uint32_t mmap_length, mmap_addr;
  uint32_t drives_length, drives_addr;
  uint32_t config_table;
  uint32_t boot_loader_name;
};
#endif

#endif
