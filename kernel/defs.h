/* defs.h — functions shared between kernel files (one section per file, as in xv6). */
#ifndef DEFS_H
#define DEFS_H
#include "types.h"

struct trapframe;
struct proc;
struct mb_info;

/* lib.c */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *safestrcpy(char *dst, const char *src, size_t n);
uint32_t div64_u32(uint64_t *n, uint32_t base);

/* printk.c */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* console.c */
void console_init(void);
void console_enable_irq(void);
void console_putc(int c);
void console_write(const char *s, size_t n);
void console_intr(void);
int console_getkey(void);
int console_read(char *dst, size_t n);

/* main.c */
void machine_exit(uint32_t status) __attribute__((noreturn));
void idle_wait(void);
#define KPANIC_EXIT_STATUS 0x55   /* debug-exit status of a kernel panic: QEMU exits with 0xab */

/* panic.c */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void panic_trapframe(const char *what, const struct trapframe *tf) __attribute__((noreturn));
void backtrace(uint32_t ebp);

/* arch/x86/pic.c */
void pic_init(void);
void pic_enable(int irq);
void pic_eoi(int irq);
int pic_spurious(int irq);

#endif
